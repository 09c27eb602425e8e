package org.persite.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The coverage aid's range over resampled crystals, on cases worked by hand. */
class ServedIntervalCoverageTest {

    @Test
    void crystalsAllCoveredAlikeGiveNoRange() {
        // every crystal has 3 of its 4 sites inside: any resample covers 75%
        List<int[]> crystals = List.of(new int[] {4, 3, 0}, new int[] {8, 6, 0}, new int[] {4, 3, 0});
        assertArrayEquals(new double[] {0.75, 0.75}, ServedIntervalCoverage.resampledRange(crystals, 1), 1e-12);
        assertArrayEquals(new double[] {0, 0}, ServedIntervalCoverage.resampledRange(crystals, 2), 1e-12);
    }

    @Test
    void theRangeOfMixedCrystalsHoldsThePooledCoverage() {
        // 20 crystals of 10 sites, half wholly inside and half wholly outside: pooled 50%; a resample of 20 crystals
        // has a binomial(20, ½) count of covered ones, whose 5-95% range is 6-14 of 20 (30-70%)
        List<int[]> crystals = new java.util.ArrayList<>();
        for (int c = 0; c < 20; c++) {
            crystals.add(new int[] {10, c % 2 == 0 ? 10 : 0, 0});
        }
        double[] range = ServedIntervalCoverage.resampledRange(crystals, 1);
        assertTrue(range[0] >= 0.25 && range[0] <= 0.35 && range[1] >= 0.65 && range[1] <= 0.75, java.util.Arrays.toString(range));
    }
}
