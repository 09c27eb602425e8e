package org.persite.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cross-fitted group correction worked by hand. */
class GroupCorrectionTest {
    record S(int half, float prediction, float label, String group) implements GroupCorrection.Site {
    }

    @Test
    void aGroupWithAConstantBiasIsCorrectedFromTheOtherHalfOnly() {
        List<S> sites = new ArrayList<>();
        for (int k = 0; k < 40; k++) {
            sites.add(new S(k % 2, 1f, 2f, "biased"));              // every residual +1: corrected to 0
        }
        for (int k = 0; k < 10; k++) {
            sites.add(new S(k % 2, 1f, 1.5f, "small"));             // 5 fitting sites per half, under MIN_GROUP: left as is
        }
        assertEquals((40 * 1.0 + 10 * 0.5) / 50, GroupCorrection.raw(sites), 1e-9);
        assertEquals(10 * 0.5 / 50, GroupCorrection.corrected(sites, S::group), 1e-9);
        // one grouping for all: the median residual over 25 sites of each half is +1, which overshoots the small group by 0.5
        assertEquals(10 * 0.5 / 50, GroupCorrection.corrected(sites, s -> "all"), 1e-9);
    }

    @Test
    void aSiteIsNeverCorrectedByItsOwnHalf() {
        List<S> sites = new ArrayList<>();
        for (int k = 0; k < 20; k++) {
            sites.add(new S(0, 1f, 3f, "g"));   // half 0: residual +2
            sites.add(new S(1, 1f, 1f, "g"));   // half 1: residual 0
        }
        // half 0 is shifted by half 1's median (0): error 2; half 1 by half 0's (+2): error 2
        assertEquals(2.0, GroupCorrection.corrected(sites, S::group), 1e-9);
        // and a shift below 0 is floored there
        List<S> negative = List.of(new S(0, 0.5f, 0f, "g"), new S(1, 0.5f, 0f, "g"));
        assertEquals(0.5, GroupCorrection.corrected(negative, S::group), 1e-9);
        assertEquals(2.5, GroupCorrection.median(new double[] {4, 1, 2, 3}), 1e-12);
    }
}
