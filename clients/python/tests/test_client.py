"""Tests of persite-client against a real persite server.

PERSITE_TEST_SERVER (host:port) names the server and PERSITE_TEST_EXPECTED a JSON file of reference values that the
Java side got for the same structures through persite's gRPC API (OipGrpcTest's way of checking, here for the
client). Without PERSITE_TEST_SERVER every test is skipped with that reason. pymatgen and ASE parts are skipped where
those packages are missing. Run by the Java test PythonClientTest, or by hand:

    PERSITE_TEST_SERVER=127.0.0.1:50051 PYTHONPATH=clients/python/src python3 -m unittest discover -s clients/python/tests -v
"""
import json
import os
import tempfile
import unittest

SERVER = os.environ.get("PERSITE_TEST_SERVER")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
EXAMPLES = os.path.join(ROOT, "data", "examples")
NACL = os.path.join(EXAMPLES, "NaCl-cod-1000041.cif")


def _have(module):
    try:
        __import__(module)
        return True
    except ImportError:
        return False


@unittest.skipUnless(SERVER, "PERSITE_TEST_SERVER is not set: no persite server to test against")
class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import persite_client
        cls.pc = persite_client
        cls.client = persite_client.Client(SERVER)
        path = os.environ.get("PERSITE_TEST_EXPECTED")
        cls.expected = {}
        if path:
            with open(path) as f:
                cls.expected = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()

    def test_files_give_values_and_a_bad_file_is_its_own_error(self):
        with tempfile.TemporaryDirectory() as d:
            binary = os.path.join(d, "image.bin")
            with open(binary, "wb") as f:
                f.write(bytes(range(256)) * 4)
            results = self.client.predict([NACL, binary, NACL])
        self.assertEqual(3, len(results), results)
        self.assertTrue(results[0].ok and results[2].ok, results)
        self.assertFalse(results[1].ok)
        self.assertIn("image.bin", results[1].name)
        r = results[0]
        self.assertEqual(["magmom"], r.properties)
        self.assertEqual(["μB"], r.units)
        self.assertEqual((8, 1), r.values.shape)
        if "nacl" in self.expected:
            for i, v in enumerate(self.expected["nacl"]):
                self.assertAlmostEqual(v, float(r.values[i, 0]), places=6)
                self.assertEqual(self.expected["nacl_elements"][i], r.elements[i])
        self.assertIsNone(r.sigma)
        self.assertEqual((8,), r.domain_score.shape)

    def test_an_ensemble_gives_sigma(self):
        with self.pc.Client(SERVER, model="magmom-ensemble") as c:
            r = c.predict([NACL])[0]
        self.assertTrue(r.ok, r)
        self.assertEqual((8, 1), r.sigma.shape)
        self.assertTrue((r.sigma > 0).all())

    def test_a_folder_streams_and_skips_what_is_not_a_structure(self):
        with tempfile.TemporaryDirectory() as d:
            for name in ("NaCl-cod-1000041.cif", "POSCAR-KCl-cod-1000050", "CsCl-cod-9009743.extxyz"):
                with open(os.path.join(EXAMPLES, name)) as src, open(os.path.join(d, name), "w") as dst:
                    dst.write(src.read())
            with open(os.path.join(d, "notes.txt"), "w") as f:
                f.write("to do\n")
            results = list(self.client.stream(d))
        self.assertEqual(4, len(results), results)
        self.assertEqual(3, sum(1 for r in results if r.ok), results)
        skipped = [r for r in results if not r.ok]
        self.assertEqual("SKIPPED", skipped[0].code)
        self.assertIn("notes.txt", skipped[0].name)

    def test_json_lines_are_named_as_the_server_names_them_in_its_file(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "two.jsonl")
            with open(os.path.join(ROOT, "data", "mp_magmom_tmo", "sample_500", "sample_500.jsonl")) as src:
                lines = [next(src), next(src)]
            with open(path, "w") as f:
                f.writelines(lines)
            results = list(self.client.stream(path))
        self.assertEqual(2, len(results))
        self.assertEqual(path + "#" + json.loads(lines[0])["id"], results[0].name)

    @unittest.skipUnless(_have("pymatgen.core"), "pymatgen is not installed")
    def test_pymatgen_structures_and_a_disordered_one_that_cannot_be_sent(self):
        from pymatgen.core import Lattice, Structure
        nacl = Structure.from_file(NACL)
        disordered = Structure(Lattice.cubic(3.0), [{"Fe": 0.5, "Ni": 0.5}], [[0, 0, 0]])
        results = self.client.predict([nacl, disordered, nacl])
        self.assertTrue(results[0].ok and results[2].ok, results)
        self.assertFalse(results[1].ok)
        self.assertIn("disordered", results[1].message)
        if "nacl" in self.expected:  # the same crystal, whatever the site order: the same value per element
            by_element = {}
            for e, v in zip(self.expected["nacl_elements"], self.expected["nacl"]):
                by_element.setdefault(e, v)
            for e, v in zip(results[0].elements, results[0].values[:, 0]):
                self.assertAlmostEqual(by_element[e], float(v), places=5)
        tagged = results[0].to_pymatgen(nacl)
        self.assertEqual(8, len(tagged.site_properties["magmom"]))
        self.assertIn("domain_score", tagged.site_properties)

    @unittest.skipUnless(_have("ase"), "ASE is not installed")
    def test_ase_atoms_get_initial_magnetic_moments_and_an_incar_line(self):
        from ase.build import bulk
        fe = bulk("Fe", "bcc", a=2.87, cubic=True)
        r = self.client.predict([fe])[0]
        self.assertTrue(r.ok, r)
        tagged = r.to_ase(fe)
        self.assertEqual(2, len(tagged.get_initial_magnetic_moments()))
        self.assertAlmostEqual(float(r.values[0, 0]), float(tagged.get_initial_magnetic_moments()[0]), places=6)
        line = r.magmom_incar()
        self.assertTrue(line.startswith("MAGMOM = "), line)
        self.assertTrue(line == "MAGMOM = 2*%.1f" % round(float(r.values[0, 0]), 1) or len(line.split()) == 4, line)

    def test_an_unknown_model_is_an_error_per_structure_not_an_exception(self):
        with self.pc.Client(SERVER, model="no-such-model") as c:
            results = c.predict([NACL])
        self.assertEqual(1, len(results))
        self.assertFalse(results[0].ok)
        self.assertEqual("NOT_FOUND", results[0].code)


if __name__ == "__main__":
    unittest.main()
