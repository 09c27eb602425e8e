package org.persite.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.persite.TestVectors;
import org.persite.structure.Structure;

/** Graphs that physics says must be equal are equal: supercells and rigid translations. */
class GraphInvarianceTest {
    private static final CrystalGraphBuilder BUILDER = new CrystalGraphBuilder(8.0, 12);

    @ParameterizedTest
    @ValueSource(strings = {"cod-1000041.cif", "edge-triclinic-skewed.cif", "mp-sk11803.cif", "edge-simple-cubic-1atom.cif", "cod-7206075.cif"})
    void aSupercellGivesEverySiteTheSameDistances(String name) {
        Structure s = TestVectors.parseOne(TestVectors.input(name));
        Structure big = s.supercell(2, 2, 2);
        CrystalGraph g = BUILDER.build(s);
        CrystalGraph gb = BUILDER.build(big);
        for (int i = 0; i < s.size(); i++) {
            for (int copy = 0; copy < 8; copy++) {
                int ib = i * 8 + copy;
                assertEquals(g.countWithinCutoff(i), gb.countWithinCutoff(ib), name + " site " + i + " copy " + copy);
                assertArrayEquals(distances(g, i), distances(gb, ib), 1e-5f, name + " site " + i + " copy " + copy);
                // each neighbour of the copy is a copy of the original neighbour
                for (int k = 0; k < g.neighborCount(i); k++) {
                    assertEquals(g.species(g.neighborIndex(i, k)), gb.species(gb.neighborIndex(ib, k)));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cod-1000041.cif", "edge-triclinic-skewed.cif", "mp-sk11803.cif", "edge-molecule-in-box.cif", "cod-1507756.cif"})
    void aRigidTranslationLeavesTheGraphUnchanged(String name) {
        Structure s = TestVectors.parseOne(TestVectors.input(name));
        CrystalGraph g = BUILDER.build(s);
        for (double[] shift : List.of(new double[] {0.123, -0.456, 0.789}, new double[] {3.5, 0.999999, -2.25})) {
            double[] f = s.fractionalCoordinates();
            for (int i = 0; i < s.size(); i++) {
                for (int k = 0; k < 3; k++) {
                    f[3 * i + k] += shift[k];
                }
            }
            Structure t = new Structure(s.source(), s.lattice(), s.atomicNumbers(), f, null);
            CrystalGraph gt = BUILDER.build(t);
            for (int i = 0; i < s.size(); i++) {
                assertEquals(g.countWithinCutoff(i), gt.countWithinCutoff(i));
                assertArrayEquals(distances(g, i), distances(gt, i), 1e-5f, name + " site " + i);
                assertArrayEquals(sortedIndices(g, i), sortedIndices(gt, i), name + " site " + i + " neighbours");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mp-sk11803.cif", "cod-1000041.cif"})
    void theSameStructureAlwaysGivesTheSameGraph(String name) {
        Structure s = TestVectors.parseOne(TestVectors.input(name));
        assertEquals(BUILDER.build(s), BUILDER.build(s));
    }

    private static float[] distances(CrystalGraph g, int i) {
        float[] d = new float[g.neighborCount(i)];
        for (int k = 0; k < d.length; k++) {
            d[k] = g.neighborDistance(i, k);
        }
        return d;
    }

    private static int[] sortedIndices(CrystalGraph g, int i) {
        int[] d = new int[g.neighborCount(i)];
        for (int k = 0; k < d.length; k++) {
            d[k] = g.neighborIndex(i, k);
        }
        Arrays.sort(d);
        return d;
    }
}
