package org.persite.graph;

import org.persite.structure.OverlapFinder;
import org.persite.structure.Structure;

/** The minimum-distance check of structure validation, answered by the {@link CellList}. Stateless. */
public final class CellListOverlapFinder implements OverlapFinder {
    public static final CellListOverlapFinder INSTANCE = new CellListOverlapFinder();

    private CellListOverlapFinder() {
    }

    @Override
    public Overlap find(Structure s, double minDistance) {
        // a pair at the minimum distance is allowed, within a tolerance of 1e-9 relative (1e-6 Å at most): a distance
        // written as 0.5 can come back as 0.4999999999999998 from the fractional coordinates and the cell
        double limit = minDistance - Math.min(1e-6, 1e-9 * Math.max(1, minDistance));
        // found by fuzzing: a cell with a lattice vector shorter than the minimum puts every site next to its own image,
        // and building the cell list for it took over a second; a reduced basis vector that short settles it at once
        double shortest = shortestReducedVector(s.lattice().rowMajor());
        if (shortest < limit) {
            return new Overlap(0, 0, shortest);
        }
        CellList cells = new CellList(s, minDistance);
        CellList.Pairs pairs = new CellList.Pairs();
        double best = limit * limit;
        int bi = -1;
        int bj = -1;
        for (int i = 0; i < s.size(); i++) {
            cells.collect(i, pairs);
            for (int k = 0; k < pairs.size; k++) {
                if (pairs.d2[k] < best) {
                    best = pairs.d2[k];
                    bi = Math.min(i, cells.site(pairs.e[k]));
                    bj = Math.max(i, cells.site(pairs.e[k]));
                }
            }
        }
        return bi < 0 ? null : new Overlap(bi, bj, Math.sqrt(best));
    }

    /** The length of the shortest row of the LLL-reduced basis: a lattice vector, so no site is farther than that from its own image. */
    static double shortestReducedVector(double[] rows) {
        long[] u = LatticeReduction.lll(rows);
        double best = Double.POSITIVE_INFINITY;
        for (int r = 0; r < 3; r++) {
            double len2 = 0;
            for (int x = 0; x < 3; x++) {
                double v = u[3 * r] * rows[x] + u[3 * r + 1] * rows[3 + x] + u[3 * r + 2] * rows[6 + x];
                len2 += v * v;
            }
            best = Math.min(best, Math.sqrt(len2));
        }
        return best;
    }
}
