package org.persite.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.persite.TestVectors;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.FeaturizerSettings;
import org.persite.structure.Structure;

/** The floor aid's colour refinement, on rock salt, where the equivalent sites are known. */
class EquivalentSiteFloorTest {

    private static CrystalGraph rockSalt(double firstNaX) {
        Structure s = TestVectors.rockSalt(5.64, firstNaX);
        return new CrystalGraphBuilder(FeaturizerSettings.reference()).build(s);
    }

    @Test
    void rockSaltHasOneClassPerElement() {
        int[] c = EquivalentSiteFloor.classes(rockSalt(0));
        assertEquals(2, Arrays.stream(c).distinct().count(), Arrays.toString(c));
        assertEquals(c[0], c[3]);
        assertEquals(c[4], c[7]);
        assertNotEquals(c[0], c[4]);
    }

    @Test
    void aDisplacedSodiumIsNoLongerLikeTheOthers() {
        int[] c = EquivalentSiteFloor.classes(rockSalt(0.02)); // 0.11 Å along x
        for (int i = 1; i < 4; i++) {
            assertNotEquals(c[0], c[i], "the displaced Na against Na " + i);
        }
        // Na 1 (0, ½, ½) and Na 2 (½, 0, ½) sit differently to the displacement along x, so refinement splits them
        assertNotEquals(c[1], c[2], Arrays.toString(c));
    }
}
