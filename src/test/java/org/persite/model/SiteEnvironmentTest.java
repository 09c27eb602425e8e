package org.persite.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.persite.TestVectors;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.ElementTable;
import org.persite.graph.FeaturizerSettings;
import org.persite.structure.Structure;

/** The first-shell descriptor against hand-computed values on rock salt, where the shells are known exactly. */
class SiteEnvironmentTest {
    static final ElementTable TABLE = ElementTable.cgcnn();

    @Test
    void rockSaltsSodiumCountsItsSixChlorinesAndNotItsSodiums() {
        double a = 5.64; // NaCl, conventional cubic cell: Na-Cl 2.82 Å, Na-Na 3.99 Å
        Structure s = TestVectors.rockSalt(a, 0);
        CrystalGraph g = new CrystalGraphBuilder(FeaturizerSettings.reference()).build(s);
        float[] e = SiteEnvironment.describe(g, TABLE);
        int w = SiteEnvironment.width(TABLE);
        int af = TABLE.featureLength();
        assertEquals(af + 2, w);
        double r0 = a / 2;
        double rNa = a / Math.sqrt(2);
        // the 12 slots: 6 Cl at r0 (inside the shell), 6 of the 12 Na at rNa = 1.414 r0 (outside 1.2 r0)
        double inside = 1 / (1 + Math.exp(-(SiteEnvironment.SHELL_FACTOR * r0 - r0) / SiteEnvironment.SOFTNESS));
        double outside = 1 / (1 + Math.exp(-(SiteEnvironment.SHELL_FACTOR * r0 - rNa) / SiteEnvironment.SOFTNESS));
        float[] cl = TABLE.features(17);
        float[] na = TABLE.features(11);
        for (int i = 0; i < g.numSites(); i++) {
            boolean sodium = g.species(i) == 11;
            float[] other = sodium ? cl : na;
            float[] same = sodium ? na : cl;
            for (int c = 0; c < af; c++) {
                assertEquals(6 * inside * other[c] + 6 * outside * same[c], e[i * w + c], 1e-5, "site " + i + " feature " + c);
            }
            assertEquals(r0, e[i * w + af], 1e-4, "the nearest distance");
            assertEquals((6 * inside + 6 * outside) / 12, e[i * w + af + 1], 1e-5, "the coordination number / M");
        }
        assertEquals(6.0, 6 * inside + 6 * outside, 1e-3, "six first-shell neighbours");
    }
}
