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

    @Test
    void theScaleMakesZSigmaCoverTheAskedFractionOfErrors() {
        Structure s = new Structure("t", Lattice.ofRows(new double[] {4, 0, 0, 0, 4, 0, 0, 0, 4}), new int[] {26, 8, 28},
                new double[] {0, 0, 0, 0.5, 0.5, 0.5, 0.5, 0, 0}, null);
        SiteDataset.Example ex = new SiteDataset.Example("t", new CrystalGraphBuilder(FeaturizerSettings.reference()).build(s), new float[] {2, 0, 1});
        List<float[]> mean = List.of(new float[] {2.5f, 0.1f, 1.2f});
        List<float[]> std = List.of(new float[] {0.2f, 0.1f, 0.1f});
        // |error| / σ = 2.5, 1, 2: the 90% quantile of three is the largest, 2.5; the 50% quantile the middle, 2
        assertEquals(2.5 / 1.645, Calibration.scaleFor(List.of(ex), mean, std, Calibration.Z90, 0.9), 1e-6);
        assertEquals(2.0 / 1.645, Calibration.scaleFor(List.of(ex), mean, std, Calibration.Z90, 0.5), 1e-5);
        assertEquals(0.5f, Calibration.scaled(std, 2.5).get(0)[0], 1e-6f);
        List<float[]> none = List.of(new float[] {0, 0, 0});
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Calibration.scaleFor(List.of(ex), mean, none, Calibration.Z90, 0.9));
    }
}
