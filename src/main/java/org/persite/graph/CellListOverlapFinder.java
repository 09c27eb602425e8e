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
        CellList cells = new CellList(s, minDistance);
        CellList.Pairs pairs = new CellList.Pairs();
        double limit = minDistance - Math.min(1e-6, 1e-9 * Math.max(1, minDistance));
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
}
