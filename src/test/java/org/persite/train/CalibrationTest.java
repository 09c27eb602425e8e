package org.persite.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.FeaturizerSettings;
import org.persite.structure.Lattice;
import org.persite.structure.Structure;

/** The calibration figures on a hand-computed case. */
class CalibrationTest {

    @Test
    void countsErrorsWithinZSigmaOverAllAndTransitionMetalSites() {
        // Fe, O, Ni, O: targets 2, 0, 1, NaN (unlabelled: left out)
        Structure s = new Structure("t", Lattice.ofRows(new double[] {4, 0, 0, 0, 4, 0, 0, 0, 4}), new int[] {26, 8, 28, 8},
                new double[] {0, 0, 0, 0.5, 0.5, 0.5, 0.5, 0, 0, 0, 0.5, 0}, null);
        SiteDataset.Example ex = new SiteDataset.Example("t", new CrystalGraphBuilder(FeaturizerSettings.reference()).build(s),
                new float[] {2, 0, 1, Float.NaN});
        float[] mean = {2.5f, 0.1f, 1.1f, 9f};
        float[] std = {0.2f, 0.1f, 0.1f, 0f};
        // |err| = 0.5 > 0.329 (out), 0.1 <= 0.1645 (in), 0.1 <= 0.1645 (in)
        Calibration c = Calibration.of(List.of(ex), List.of(mean), List.of(std), Calibration.Z90);
        assertEquals(2.0 / 3, c.withinFraction(), 1e-12);
        assertEquals(0.5, c.withinFractionTransitionMetals(), 1e-12);
        assertEquals((0.2 + 0.1 + 0.1) / 3, c.meanStd(), 1e-7);
        assertEquals(0.15, c.meanStdTransitionMetals(), 1e-7);
        assertEquals(1.0, Calibration.of(List.of(ex), List.of(mean), List.of(std), 5).withinFraction(), 1e-12);
    }
}
