package org.persite.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The state head's readout, worked by hand: the median bin, not the most probable one. */
class StateBinsTest {

    @Test
    void theMedianBinIsWhereTheCumulativeProbabilityFirstReachesAHalf() {
        // probabilities 1/4, 1/4, 1/2: cumulative 1/4, 1/2, 1 → bin 1, although bin 2 is the most probable
        assertEquals(1, CgcnnWeights.StateBins.medianBin(new double[] {0, 0, Math.log(2)}));
        // 0.6 on the first bin: the median is bin 0
        assertEquals(0, CgcnnWeights.StateBins.medianBin(new double[] {Math.log(6), Math.log(1), Math.log(3)}));
        // 0.1, 0.3, 0.6 → cumulative 0.1, 0.4, 1 → bin 2
        assertEquals(2, CgcnnWeights.StateBins.medianBin(new double[] {Math.log(1), Math.log(3), Math.log(6)}));
        // large logits do not overflow
        assertEquals(1, CgcnnWeights.StateBins.medianBin(new double[] {-1000, 1000, 999}));
    }

    @Test
    void theReadoutIsTheChosenBinsCentrePlusItsOffset() {
        CgcnnWeights.StateBins bins = new CgcnnWeights.StateBins(2, 3, new float[] {0f, 1f, 2f, -1f, 0f, 1f});
        // property 0: logits (0, 0, ln 2) → bin 1, offsets (9, 0.25, 9) → 1 + 0.25;
        // property 1: logits (ln 6, 0, ln 3) → bin 0, offsets (-0.5, 9, 9) → -1 - 0.5
        double[] raw = {0, 0, Math.log(2), 9, 0.25, 9, Math.log(6), 0, Math.log(3), -0.5, 9, 9};
        assertArrayEquals(new double[] {1.25, -1.5}, ReferenceForward.stateReadout(bins, raw), 1e-12);
    }

    @Test
    void centresSpreadEvenlyBetweenTwoQuantiles() {
        float[] sorted = new float[201];
        for (int k = 0; k < sorted.length; k++) {
            sorted[k] = k / 100f; // 0 to 2
        }
        assertArrayEquals(new float[] {0f, 0.5f, 1f, 1.5f, 2f}, CgcnnWeights.StateBins.evenlySpaced(sorted, 5, 0, 1), 1e-6f);
        assertThrows(IllegalArgumentException.class, () -> CgcnnWeights.StateBins.evenlySpaced(new float[] {1, 1, 1}, 3, 0, 1),
                "all labels equal: no room for bins");
        assertThrows(IllegalArgumentException.class, () -> new CgcnnWeights.StateBins(1, 3, new float[] {0, 2, 1}), "centres must rise");
        assertThrows(IllegalArgumentException.class, () -> CgcnnHyperparameters.reference().withStateBins(1), "one bin is no distribution");
        assertThrows(IllegalArgumentException.class, () -> CgcnnHyperparameters.reference().withElementAffine(true).withStateBins(4),
                "the state head takes the affine's place");
    }
}
