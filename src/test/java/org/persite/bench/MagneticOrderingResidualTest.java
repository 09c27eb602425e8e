package org.persite.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.persite.TestVectors;
import org.persite.bench.MagneticOrderingResidual.Ordering;

/** The ordering aid's two readings, on cases worked by hand. */
class MagneticOrderingResidualTest {

    @Test
    void theOrderingComesFromTheTransitionMetalsSigns() {
        int[] z = {26, 26, 8};
        assertEquals(Ordering.AFM, MagneticOrderingResidual.ordering(z, new double[] {3, -3, 0}));
        // |Σ m| = 1 of Σ |m| = 5: 20% uncompensated
        assertEquals(Ordering.FIM, MagneticOrderingResidual.ordering(z, new double[] {3, -2, 0}));
        assertEquals(Ordering.FM, MagneticOrderingResidual.ordering(z, new double[] {3, 3, -0.1}));
        // a small opposite moment on a TM (under 0.5 μB) does not make it FiM, nor one on oxygen
        assertEquals(Ordering.FM, MagneticOrderingResidual.ordering(new int[] {26, 26, 8}, new double[] {3, -0.4, -1}));
        assertEquals(Ordering.NM, MagneticOrderingResidual.ordering(z, new double[] {0.2, -0.3, 0}));
    }

    @Test
    void theConventionalRockSaltCellIsFourPrimitiveCells() {
        // the face-centred translations (0 ½ ½), (½ 0 ½), (½ ½ 0) and the identity
        assertEquals(4, MagneticOrderingResidual.multiplicity(TestVectors.rockSalt(5.64, 0), 0.1));
        assertEquals(8, MagneticOrderingResidual.multiplicity(TestVectors.rockSalt(5.64, 0).supercell(2, 1, 1), 0.1));
        // one Na moved 0.056 Å stays within the tolerance; 0.113 Å breaks every translation but the identity
        assertEquals(4, MagneticOrderingResidual.multiplicity(TestVectors.rockSalt(5.64, 0.01), 0.1));
        assertEquals(1, MagneticOrderingResidual.multiplicity(TestVectors.rockSalt(5.64, 0.02), 0.1));
    }
}
