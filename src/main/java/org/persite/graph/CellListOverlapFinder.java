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
        // a pair exactly at the minimum distance is allowed; only strictly closer pairs are overlaps
        CellList cells = new CellList(s, minDistance);
        CellList.Pairs pairs = new CellList.Pairs();
        double best = minDistance * minDistance;
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
