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
        double[] best = {Double.POSITIVE_INFINITY};
        int[] pair = {-1, -1};
        for (int i = 0; i < s.size(); i++) {
            final int site = i;
            cells.visit(i, (j, t0, t1, t2, d2) -> {
                if (d2 < best[0] && d2 < minDistance * minDistance) {
                    best[0] = d2;
                    pair[0] = Math.min(site, j);
                    pair[1] = Math.max(site, j);
                }
            });
        }
        return pair[0] < 0 ? null : new Overlap(pair[0], pair[1], Math.sqrt(best[0]));
    }
}
