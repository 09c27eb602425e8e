package org.persite.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestModels;
import org.persite.TestVectors;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.ElementTable;
import org.persite.model.LoadedModel;
import org.persite.model.ReferenceForward;
import org.persite.structure.Structure;

class PredictCommandTest {
    @TempDir
    Path tmp;

    @Test
    void printsOneCsvRowPerSiteMatchingTheReferenceForwardPass() throws Exception {
        LoadedModel m = TestModels.write(tmp.resolve("m"), "m", 1, 2, 11);
        String nacl = TestVectors.input("cod-1000041.cif").toString();
        String bad = TestVectors.root().resolve("bad/unknown-element.cif").toString();
        String co2 = TestVectors.input("edge-molecule-in-box.cif").toString();
        PersiteCliTest.Run r = PersiteCliTest.run("predict", "--model", m.directory().toString(), nacl, bad, co2);
        assertEquals(1, r.code(), "one refused structure: exit code 1");
        assertTrue(r.err().contains("unknown element 'Xx1+'"), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("structure,site,element,magmom (μB),charge (e),model", lines.get(0));
        assertEquals(1 + 8 + 3, lines.size(), "8 NaCl sites and 3 CO2 sites, the bad file in between lost nothing");
        ReferenceForward ref = new ReferenceForward(m.spec(), TestModels.weights(m.spec(), 11), ElementTable.cgcnn());
        CrystalGraphBuilder b = new CrystalGraphBuilder(m.spec().featurizer());
        Structure s = TestVectors.parseOne(TestVectors.input("edge-molecule-in-box.cif"));
        double[] want = ref.predict(b.build(s));
        for (int i = 0; i < 3; i++) {
            String[] f = lines.get(9 + i).split(",");
            assertEquals(co2, f[0]);
            assertEquals(i, Integer.parseInt(f[1]));
            assertEquals(s.species(i), f[2]);
            assertEquals("m/1", f[5]);
            for (int q = 0; q < 2; q++) {
                double got = Double.parseDouble(f[3 + q]);
                double scale = m.spec().properties().get(q).std();
                assertTrue(Math.abs(got - want[2 * i + q]) <= 1e-4 * Math.max(Math.abs(want[2 * i + q]), scale),
                        "site " + i + " property " + q + ": " + got + " vs reference " + want[2 * i + q]);
            }
        }
    }

    @Test
    void anEnsembleAddsAStandardDeviationColumnPerProperty() throws Exception {
        org.persite.model.ModelSpec spec = TestModels.spec("ens", 1, org.persite.model.CgcnnHyperparameters.reference(), 1);
        List<ReferenceForward> refs = new java.util.ArrayList<>();
        List<byte[]> onnx = new java.util.ArrayList<>();
        for (long seed = 31; seed <= 32; seed++) {
            org.persite.model.CgcnnWeights w = TestModels.weights(spec, seed);
            refs.add(new ReferenceForward(spec, w, ElementTable.cgcnn()));
            onnx.add(org.persite.model.OnnxCgcnnWriter.write(spec, w, ElementTable.cgcnn()));
        }
        Path dir = tmp.resolve("ens/1");
        org.persite.model.ModelDirectory.write(dir, spec, org.persite.model.OnnxEnsembleWriter.write(spec, onnx), true);
        Path co2 = TestVectors.input("edge-molecule-in-box.cif");
        PersiteCliTest.Run r = PersiteCliTest.run("predict", "--model", dir.toString(), co2.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("structure,site,element,magmom (μB),magmom_std (μB),model", lines.get(0));
        Structure s = TestVectors.parseOne(co2);
        var g = new CrystalGraphBuilder(spec.featurizer()).build(s);
        double[] a = refs.get(0).predict(g);
        double[] b = refs.get(1).predict(g);
        for (int i = 0; i < 3; i++) {
            String[] f = lines.get(1 + i).split(",");
            double mean = (a[i] + b[i]) / 2;
            double std = Math.abs(a[i] - b[i]) / Math.sqrt(2); // sample std of two values
            assertEquals(mean, Double.parseDouble(f[3]), 1e-4 * Math.max(Math.abs(mean), 0.81), "site " + i);
            assertEquals(std, Double.parseDouble(f[4]), 1e-4 * Math.max(std, 0.81), "site " + i + " std");
        }
    }

    @Test
    void aBrokenModelDirectoryIsAClearError() {
        PersiteCliTest.Run r = PersiteCliTest.run("predict", "--model", tmp.toString(), TestVectors.input("cod-1000041.cif").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no model.json"), r.err());
    }

    @Test
    void withoutModelTheShippedDefaultIsUsed() {
        PersiteCliTest.Run r = PersiteCliTest.run("predict", TestVectors.input("cod-1000041.cif").toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("structure,site,element,magmom (μB),magmom_std (μB),magmom_low (μB),magmom_high (μB),domain_score,out_of_domain,model", lines.get(0),
                "the default serves a σ and a one-sided interval");
        assertEquals(9, lines.size());
        assertTrue(lines.get(1).endsWith(",magmom/" + lines.get(1).substring(lines.get(1).lastIndexOf('/') + 1)));
    }

    @Test
    void theProgressBarKnowsHowManyStructuresAreComing() {
        assertEquals(500 + 1, PredictCommand.expectedStructures(List.of(Path.of("data/mp_magmom_tmo/sample_500/sample_500.jsonl"),
                Path.of("data/examples/NaCl-cod-1000041.cif"))));
        assertEquals(25_741, PredictCommand.expectedStructures(List.of(Path.of("data/mp_magmom_tmo/structures.jsonl.gz"))));
        java.io.StringWriter w = new java.io.StringWriter();
        Progress p = new Progress(new java.io.PrintWriter(w), true);
        p.expect(10);
        for (int i = 0; i < 5; i++) {
            p.predicted(3);
        }
        p.failed("bad.cif:1: no cell");
        String shown = w.toString();
        assertTrue(shown.contains("error: bad.cif:1: no cell"), shown);
        assertTrue(shown.contains("[==============          ]  60%  5 structures  15 atoms"), shown);
        assertTrue(shown.contains("1 refused  ETA"), shown);
    }
}
