package org.persite.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestVectors;
import org.persite.graph.FeaturizerSettings;
import org.persite.structure.Format;
import org.persite.structure.LabeledStructure;
import org.persite.structure.ParseResult;
import org.persite.structure.Structure;

/**
 * A folder of structure files (P1 CIFs and a POSCAR) with a per-site targets.csv gives the same examples as
 * the JSON Lines records it was written from: the same sites, graphs and |magmom| targets; a bad targets.csv
 * is a clear error with its line.
 */
class DatasetFolderTest {
    static final TargetSpec MAGMOM = new TargetSpec("magmom", TargetSpec.Transform.ABS, null, "μB");

    @TempDir
    Path tmp;

    /** A P1 CIF (cell parameters, fractional coordinates in site order). */
    static String cif(Structure s) {
        double[] m = s.lattice().rowMajor();
        double[][] v = {{m[0], m[1], m[2]}, {m[3], m[4], m[5]}, {m[6], m[7], m[8]}};
        StringBuilder b = new StringBuilder("data_x\n_symmetry_space_group_name_H-M 'P 1'\n");
        b.append(String.format(Locale.ROOT, "_cell_length_a %.8f%n_cell_length_b %.8f%n_cell_length_c %.8f%n", norm(v[0]), norm(v[1]), norm(v[2])));
        b.append(String.format(Locale.ROOT, "_cell_angle_alpha %.8f%n_cell_angle_beta %.8f%n_cell_angle_gamma %.8f%n", angle(v[1], v[2]),
                angle(v[0], v[2]), angle(v[0], v[1])));
        b.append("loop_\n_symmetry_equiv_pos_as_xyz\n'x, y, z'\nloop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n"
                + "_atom_site_fract_y\n_atom_site_fract_z\n");
        for (int i = 0; i < s.size(); i++) {
            b.append(String.format(Locale.ROOT, "%s%d %s %.8f %.8f %.8f%n", s.species(i), i, s.species(i), s.frac(i, 0), s.frac(i, 1), s.frac(i, 2)));
        }
        return b.toString();
    }

    static String poscar(Structure s) {
        double[] m = s.lattice().rowMajor();
        StringBuilder b = new StringBuilder("x\n1.0\n");
        for (int r = 0; r < 3; r++) {
            b.append(String.format(Locale.ROOT, "%.10f %.10f %.10f%n", m[3 * r], m[3 * r + 1], m[3 * r + 2]));
        }
        StringBuilder species = new StringBuilder();
        StringBuilder counts = new StringBuilder();
        for (int i = 0; i < s.size(); ) {
            int j = i;
            while (j < s.size() && s.species(j).equals(s.species(i))) {
                j++;
            }
            species.append(s.species(i)).append(' ');
            counts.append(j - i).append(' ');
            i = j;
        }
        b.append(species).append('\n').append(counts).append("\nDirect\n");
        for (int i = 0; i < s.size(); i++) {
            b.append(String.format(Locale.ROOT, "%.10f %.10f %.10f%n", s.frac(i, 0), s.frac(i, 1), s.frac(i, 2)));
        }
        return b.toString();
    }

    private static double norm(double[] a) {
        return Math.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
    }

    private static double angle(double[] a, double[] b) {
        return Math.toDegrees(Math.acos((a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (norm(a) * norm(b))));
    }

    @Test
    void aFolderOfCifsWithTargetsCsvMatchesTheJsonLinesRecords() throws Exception {
        List<ParseResult> records = TestVectors.READER.readFile(TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl"), Format.JSONL);
        List<LabeledStructure> picked = new ArrayList<>();
        for (int k = 0; k < 60 && picked.size() < 12; k += 5) {
            picked.add(((ParseResult.Parsed) records.get(k)).value());
        }
        Path dir = tmp.resolve("ds");
        Files.createDirectories(dir);
        StringBuilder csv = new StringBuilder("structure,site,magmom\n");
        for (int k = 0; k < picked.size(); k++) {
            Structure s = picked.get(k).structure();
            String name = String.format(Locale.ROOT, "s%02d", k) + (k == 3 ? ".vasp" : ".cif");
            Files.writeString(dir.resolve(name), k == 3 ? poscar(s) : cif(s));
            double[] m = picked.get(k).target("magmom");
            for (int i = 0; i < s.size(); i++) {
                // site 0 of the first structure unlabelled, written as an empty value
                csv.append(name).append(',').append(i).append(',').append(k == 0 && i == 0 ? "" : Double.toString(m[i])).append('\n');
            }
        }
        Files.writeString(dir.resolve("s99.cif"), cif(picked.get(0).structure())); // no rows: skipped
        Files.writeString(dir.resolve(SiteDataset.TARGETS_CSV), csv);

        SiteDataset ds = SiteDataset.load(dir, MAGMOM, FeaturizerSettings.reference(), TestVectors.READER);
        assertEquals(picked.size(), ds.size());
        assertEquals(1, ds.skipped());
        assertEquals(0, ds.refused());
        for (int k = 0; k < picked.size(); k++) {
            SiteDataset.Example e = ds.get(k);
            Structure s = picked.get(k).structure();
            double[] m = picked.get(k).target("magmom");
            assertEquals(s.size(), e.graph().numSites());
            for (int i = 0; i < s.size(); i++) {
                assertEquals(s.atomicNumber(i), e.graph().species(i), e.id() + " site " + i);
                if (k == 0 && i == 0) {
                    assertTrue(Float.isNaN(e.targets()[i]), "an empty value is an unlabelled site");
                } else {
                    assertEquals((float) Math.abs(m[i]), e.targets()[i], 0f, e.id() + " site " + i);
                }
                // the same neighbour distances as the graph of the JSON record (the CIF has 8 decimals)
                float[] want = new float[12];
                float[] got = new float[12];
                var g = new org.persite.graph.CrystalGraphBuilder(FeaturizerSettings.reference()).build(s);
                for (int slot = 0; slot < 12; slot++) {
                    want[slot] = g.neighborDistance(i, slot);
                    got[slot] = e.graph().neighborDistance(i, slot);
                }
                assertArrayEquals(want, got, 1e-4f, e.id() + " site " + i);
            }
        }
    }

    @Test
    void aBadTargetsCsvIsAClearErrorWithItsLine() throws Exception {
        Structure nacl = TestVectors.parseOne(TestVectors.input("cod-1000041.cif"));
        Path dir = tmp.resolve("bad");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("nacl.cif"), cif(nacl));
        assertTrue(error(dir, null).contains("needs targets.csv"));
        Files.writeString(dir.resolve("targets.csv"), "structure,site,charge\nnacl.cif,0,1\n");
        assertTrue(error(dir, null).contains("targets.csv:1: the header must be structure,site,<field>... and name magmom"));
        Files.writeString(dir.resolve("targets.csv"), "structure,site,magmom\nnacl.cif,0,1\nnacl.cif,8,1\n");
        assertTrue(error(dir, null).contains("nacl.cif site 8 does not exist; it has 8 sites (0..7)"));
        Files.writeString(dir.resolve("targets.csv"), "structure,site,magmom\nnacl.cif,0,1\nnacl.cif,0,2\n");
        assertTrue(error(dir, null).contains("targets.csv:3: site 0 of nacl.cif is given twice"));
        Files.writeString(dir.resolve("targets.csv"), "structure,site,magmom\nnacl.cif,0,abc\n");
        assertTrue(error(dir, null).contains("targets.csv:2: magmom 'abc' is not a number"));
        Files.writeString(dir.resolve("targets.csv"), "structure,site,magmom\nkcl.cif,0,1\n");
        assertTrue(error(dir, null).contains("rows for kcl.cif, which is not a file in"));
        Files.writeString(dir.resolve("targets.csv"), "structure,site,magmom\nnacl.cif,0,1\n");
        assertTrue(error(dir, "paper_filter").contains("needs JSON Lines attributes"));
    }

    private static String error(Path dir, String filter) {
        return assertThrows(IllegalArgumentException.class, () -> SiteDataset.load(dir, new TargetSpec("magmom", TargetSpec.Transform.ABS, filter, "μB"),
                FeaturizerSettings.reference(), TestVectors.READER)).getMessage();
    }
}
