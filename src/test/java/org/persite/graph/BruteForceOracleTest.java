package org.persite.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.persite.structure.Lattice;
import org.persite.structure.Structure;

/**
 * The cell list against a brute-force search over every periodic image, on random skewed triclinic cells
 * (including cells far smaller than the cutoff, and atoms outside [0, 1)): same counts, same neighbours
 * (index, image) and same distances.
 */
class BruteForceOracleTest {

    /** One neighbour: index, image and distance. */
    record Pair(int j, int a, int b, int c, double d) {
    }

    static List<Pair> bruteForce(Structure s, int i, double r) {
        Lattice l = s.lattice();
        double[] w = l.perpendicularWidths();
        int[] range = new int[3];
        for (int k = 0; k < 3; k++) {
            range[k] = (int) Math.ceil(r / w[k]) + 5; // coordinates span [-1.5, 2): differences up to 3.5 cells
        }
        double[] pi = new double[3];
        double[] pj = new double[3];
        l.toCartesian(s.frac(i, 0), s.frac(i, 1), s.frac(i, 2), pi, 0);
        List<Pair> out = new ArrayList<>();
        for (int j = 0; j < s.size(); j++) {
            for (int a = -range[0]; a <= range[0]; a++) {
                for (int b = -range[1]; b <= range[1]; b++) {
                    for (int c = -range[2]; c <= range[2]; c++) {
                        if (j == i && a == 0 && b == 0 && c == 0) {
                            continue;
                        }
                        l.toCartesian(s.frac(j, 0) + a, s.frac(j, 1) + b, s.frac(j, 2) + c, pj, 0);
                        double dx = pj[0] - pi[0], dy = pj[1] - pi[1], dz = pj[2] - pi[2];
                        double d = Math.sqrt(dx * dx + dy * dy + dz * dz);
                        if (d <= r) {
                            out.add(new Pair(j, a, b, c, d));
                        }
                    }
                }
            }
        }
        out.sort((p, q) -> Double.compare(p.d, q.d));
        return out;
    }

    static Structure random(long seed, int n, double scale) {
        Random rnd = new Random(seed);
        Lattice l;
        while (true) {
            try {
                l = Lattice.fromParameters(scale * (0.6 + rnd.nextDouble()), scale * (0.6 + rnd.nextDouble()), scale * (0.6 + rnd.nextDouble()),
                        50 + 80 * rnd.nextDouble(), 50 + 80 * rnd.nextDouble(), 50 + 80 * rnd.nextDouble());
                break;
            } catch (IllegalArgumentException impossibleAngles) {
                // draw again
            }
        }
        int[] z = new int[n];
        double[] f = new double[3 * n];
        for (int i = 0; i < n; i++) {
            z[i] = 1 + rnd.nextInt(80);
            for (int k = 0; k < 3; k++) {
                f[3 * i + k] = -1.5 + 3.5 * rnd.nextDouble(); // deliberately outside [0, 1)
            }
        }
        return new Structure("random-" + seed, l, z, f, null);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void cellListEqualsBruteForce(long seed) {
        // cell edges from about 1.2 Å (many images of every atom) to 24 Å (a real cell list)
        double scale = new double[] {2, 3, 5, 8, 12, 15, 20, 1.5}[(int) (seed - 1)];
        int n = new int[] {3, 5, 10, 20, 40, 60, 80, 1}[(int) (seed - 1)];
        Structure s = random(seed, n, scale);
        double r = 6.0;
        int m = 12;
        CrystalGraph g = new CrystalGraphBuilder(r, m).build(s);
        for (int i = 0; i < n; i++) {
            List<Pair> bf = bruteForce(s, i, r);
            assertEquals(bf.size(), g.countWithinCutoff(i), s.source() + " site " + i + " count");
            int filled = Math.min(m, bf.size());
            assertEquals(filled, g.neighborCount(i));
            for (int k = 0; k < filled; k++) {
                assertEquals(bf.get(k).d, g.neighborDistance(i, k), 1e-5, s.source() + " site " + i + " slot " + k);
                // the slot's (index, image) must be a neighbour at that distance
                int j = g.neighborIndex(i, k);
                int[] img = {g.neighborImage(i, k, 0), g.neighborImage(i, k, 1), g.neighborImage(i, k, 2)};
                float dist = g.neighborDistance(i, k);
                boolean found = bf.stream().anyMatch(p -> p.j == j && p.a == img[0] && p.b == img[1] && p.c == img[2]
                        && Math.abs(p.d - dist) < 1e-5);
                assertTrue(found, s.source() + " site " + i + " slot " + k + ": (" + j + ", " + Arrays.toString(img) + ") is not a neighbour");
            }
        }
    }

    /**
     * The same crystal written in an absurdly skewed basis (b = 1000 a + b0, ...) gives the same graph, and
     * every reported image, taken in the skewed basis, lands at the reported distance.
     */
    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13})
    void skewedBasesOfTheSameCrystalGiveTheSameGraph(long seed) {
        Structure nice = random(seed, 6, 6);
        long[][] shears = {{1, 0, 0, 1000, 1, 0, 0, 0, 1}, {1, 0, 0, 37, 1, 0, -12, 5, 1}, {0, 1, 0, 0, 0, 1, 1, 40, -3}};
        long[] u = shears[(int) (seed - 11)];
        double[] l0 = nice.lattice().rowMajor();
        double[] l = new double[9];
        for (int r = 0; r < 3; r++) {
            for (int x = 0; x < 3; x++) {
                l[3 * r + x] = u[3 * r] * l0[x] + u[3 * r + 1] * l0[3 + x] + u[3 * r + 2] * l0[6 + x];
            }
        }
        long[] ui = LatticeReduction.inverse(u);
        double[] f = new double[3 * nice.size()];
        for (int i = 0; i < nice.size(); i++) {
            for (int k = 0; k < 3; k++) {
                f[3 * i + k] = nice.frac(i, 0) * ui[k] + nice.frac(i, 1) * ui[3 + k] + nice.frac(i, 2) * ui[6 + k];
            }
        }
        Structure skewed = new Structure("skewed", Lattice.ofRows(l), nice.atomicNumbers(), f, null);
        CrystalGraphBuilder b = new CrystalGraphBuilder(8.0, 12);
        CrystalGraph g0 = b.build(nice);
        CrystalGraph g = b.build(skewed);
        assertEquals(java.util.Arrays.toString(g0.countWithinCutoff()), java.util.Arrays.toString(g.countWithinCutoff()));
        double[] c = new double[3];
        for (int i = 0; i < nice.size(); i++) {
            for (int k = 0; k < 12; k++) {
                assertEquals(g0.neighborDistance(i, k), g.neighborDistance(i, k), 1e-4, "site " + i + " slot " + k);
                int j = g.neighborIndex(i, k);
                skewed.lattice().toCartesian(skewed.frac(j, 0) + g.neighborImage(i, k, 0) - skewed.frac(i, 0),
                        skewed.frac(j, 1) + g.neighborImage(i, k, 1) - skewed.frac(i, 1),
                        skewed.frac(j, 2) + g.neighborImage(i, k, 2) - skewed.frac(i, 2), c, 0);
                assertEquals(g.neighborDistance(i, k), Math.sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]), 1e-4, "image of site " + i + " slot " + k);
            }
        }
    }
}
