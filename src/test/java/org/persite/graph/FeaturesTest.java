package org.persite.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.persite.TestVectors;
import org.persite.structure.Structure;

class FeaturesTest {

    @Test
    void theCgcnnElementTable() {
        ElementTable t = ElementTable.cgcnn();
        assertEquals(92, t.featureLength());
        assertEquals(100, t.maxAtomicNumber());
        // sha256sum data/cgcnn_reference/atom_init.json
        assertEquals("cb90bd2257dbf8cfc4e6b2b6d4348d4616e8e9680f1339b1461137032e0f1894", t.sha256());
        // oxygen's one-hot groups, read off the file by hand
        float[] o = t.features(8);
        int[] hot = {16, 20, 34, 37, 51, 64, 74, 79, 86};
        float sum = 0;
        for (float v : o) {
            sum += v;
        }
        assertEquals(hot.length, sum, 0);
        for (int k : hot) {
            assertEquals(1f, o[k]);
        }
        assertThrows(IllegalArgumentException.class, () -> t.features(101));
    }

    @Test
    void gaussianExpansionHandComputed() {
        FeaturizerSettings s = FeaturizerSettings.reference();
        assertEquals(41, s.gaussianCount());
        GaussianExpansion g = new GaussianExpansion(s);
        assertEquals(41, g.size());
        assertEquals(8.0, g.center(40), 1e-12);
        float[] out = new float[41];
        g.expand(1.0, out, 0);
        assertEquals(1.0f, out[5], 1e-7f);                       // mu_5 = 1.0
        assertEquals((float) Math.exp(-1), out[4], 1e-7f);      // (1.0 - 0.8)^2 / 0.2^2 = 1
        assertEquals((float) Math.exp(-4), out[7], 1e-7f);      // (1.0 - 1.4)^2 / 0.04 = 4
    }

    @Test
    void graphShapesAndMaskedSlots() {
        Structure s = TestVectors.parseOne(TestVectors.input("edge-molecule-in-box.cif"));
        CrystalGraph g = new CrystalGraphBuilder(8.0, 12).build(s);
        int n = 3;
        int m = 12;
        assertEquals(n, g.species().length);
        assertEquals(n * m, g.neighborIndex().length);
        assertEquals(n * m, g.neighborDistance().length);
        assertEquals(n * m, g.neighborMask().length);
        assertEquals(n * m * 3, g.neighborImage().length);
        assertEquals(n, g.countWithinCutoff().length);
        float[] mask = g.neighborMask();
        int real = 0;
        for (float v : mask) {
            assertTrue(v == 0f || v == 1f);
            real += (int) v;
        }
        assertEquals(6, real); // CO2: each atom sees the other two
        for (int i = 0; i < n; i++) {
            for (int k = 2; k < m; k++) {
                assertEquals(i, g.neighborIndex(i, k), "a masked slot points at its own site");
                assertEquals(0f, g.neighborDistance(i, k));
            }
        }
        float[] edges = new GaussianExpansion(FeaturizerSettings.reference()).expand(g);
        assertEquals(n * m * 41, edges.length);
        for (int k = 0; k < 41; k++) {
            assertEquals(0f, edges[(0 * m + 5) * 41 + k], "masked slots carry no features");
        }
    }

    @Test
    void batchCopiesOffsetTheIndices() {
        Structure s = TestVectors.parseOne(TestVectors.input("cod-1000041.cif"));
        CrystalGraph g = new CrystalGraphBuilder(8.0, 12).build(s);
        long[] idx = new long[2 + 8 * 12];
        g.copyNeighborIndexInto(idx, 2, 100);
        assertEquals(g.neighborIndex(0, 0) + 100, idx[2]);
        assertEquals(g.neighborIndex(7, 11) + 100, idx[2 + 8 * 12 - 1]);
    }
}
