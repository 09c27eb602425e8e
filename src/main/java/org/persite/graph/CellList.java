package org.persite.graph;

import org.persite.structure.Lattice;
import org.persite.structure.Structure;

/**
 * A periodic cell list over one structure, for one search radius r. Sites are wrapped into [0, 1) and
 * sorted into bins of the fractional grid; a bin spans {@code w_k / nb_k} Å across axis k, where
 * {@code w_k} is the cell's perpendicular width. Any periodic image within r of a site lies within
 * {@code s_k = ceil(r · nb_k / w_k)} bins along each axis, so visiting those bins (with the lattice
 * translation that wraps them) finds every neighbour, including many images of the same site and of the
 * site itself when the cell is smaller than r. Building is O(N); a query costs O(density · r³).
 *
 * <p>Not thread-safe for building, but a built instance is read-only and may be queried concurrently.
 */
final class CellList {
    /** Receives the neighbours of one site. */
    interface PairVisitor {
        /**
         * Site j, translated by lattice vector (t0, t1, t2) from its wrapped position, is at squared
         * distance d2 (Å²) from the queried site; {@code d2 <= r²} always.
         */
        void pair(int j, int t0, int t1, int t2, double d2);
    }

    /** Aim for bins about this fraction of r across; smaller bins waste fewer distance tests. */
    private static final double BIN_FRACTION = 0.5;

    final int n;
    final double radius;
    private final double r2;
    private final double[] lat;      // [9] rows a, b, c
    final double[] pos;              // [N·3] Cartesian positions of the wrapped sites
    final int[] wrap;                // [N·3] integer shift added to each fractional coordinate to wrap it
    private final int nb0, nb1, nb2; // bins per axis
    private final int s0, s1, s2;    // bins to search on each side, per axis
    private final int[] siteBin;     // [N] flat bin index of each site
    private final int[] binStart;    // [nbins + 1] start of each bin in binSites
    private final int[] binSites;    // [N] site indices grouped by bin
    private final double[] binPos;   // [N·3] positions in binSites order (sequential reads in the hot loop)

    CellList(Structure s, double radius) {
        this.n = s.size();
        this.radius = radius;
        this.r2 = radius * radius;
        Lattice lattice = s.lattice();
        this.lat = lattice.rowMajor();
        double[] w = lattice.perpendicularWidths();
        int[] nb = new int[3];
        for (int k = 0; k < 3; k++) {
            nb[k] = (int) Math.max(1, Math.min(1 << 10, Math.floor(w[k] / (radius * BIN_FRACTION))));
        }
        long cap = Math.max(27L, 4L * n); // vacuum must not cost memory: at most a few bins per site
        while ((long) nb[0] * nb[1] * nb[2] > cap) {
            int k = nb[0] >= nb[1] && nb[0] >= nb[2] ? 0 : (nb[1] >= nb[2] ? 1 : 2);
            nb[k] = Math.max(1, nb[k] / 2);
        }
        nb0 = nb[0];
        nb1 = nb[1];
        nb2 = nb[2];
        s0 = (int) Math.ceil(radius * nb0 / w[0] + 1e-9);
        s1 = (int) Math.ceil(radius * nb1 / w[1] + 1e-9);
        s2 = (int) Math.ceil(radius * nb2 / w[2] + 1e-9);

        pos = new double[3 * n];
        wrap = new int[3 * n];
        siteBin = new int[n];
        int nbins = nb0 * nb1 * nb2;
        binStart = new int[nbins + 1];
        double[] f = new double[3];
        int[] cell = new int[3];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 3; k++) {
                double x = s.frac(i, k);
                double fl = Math.floor(x);
                double wrapped = x - fl;
                int shift = (int) -fl;
                if (wrapped >= 1.0) { // x just below an integer can round up to 1.0
                    wrapped = 0.0;
                    shift -= 1;
                }
                f[k] = wrapped;
                wrap[3 * i + k] = shift;
                cell[k] = Math.min(nb[k] - 1, (int) (wrapped * nb[k]));
            }
            lattice.toCartesian(f[0], f[1], f[2], pos, 3 * i);
            siteBin[i] = (cell[0] * nb1 + cell[1]) * nb2 + cell[2];
            binStart[siteBin[i] + 1]++;
        }
        for (int b = 0; b < nbins; b++) {
            binStart[b + 1] += binStart[b];
        }
        binSites = new int[n];
        binPos = new double[3 * n];
        int[] fill = new int[nbins];
        for (int i = 0; i < n; i++) {
            int b = siteBin[i];
            int slot = binStart[b] + fill[b]++;
            binSites[slot] = i;
            binPos[3 * slot] = pos[3 * i];
            binPos[3 * slot + 1] = pos[3 * i + 1];
            binPos[3 * slot + 2] = pos[3 * i + 2];
        }
    }

    /**
     * Visits every periodic image within r of site i, except site i itself at zero translation. The order
     * is that of the bins, not of distance.
     */
    void visit(int i, PairVisitor visitor) {
        int b = siteBin[i];
        int b2 = b % nb2;
        int b1 = (b / nb2) % nb1;
        int b0 = b / (nb1 * nb2);
        double xi = pos[3 * i];
        double yi = pos[3 * i + 1];
        double zi = pos[3 * i + 2];
        for (int d0 = -s0; d0 <= s0; d0++) {
            int c0 = b0 + d0;
            int t0 = Math.floorDiv(c0, nb0);
            int w0 = c0 - t0 * nb0;
            for (int d1 = -s1; d1 <= s1; d1++) {
                int c1 = b1 + d1;
                int t1 = Math.floorDiv(c1, nb1);
                int w1 = c1 - t1 * nb1;
                // position of site i relative to the translated image: p_j + T - p_i = p_j - (p_i - T)
                double bx01 = xi - t0 * lat[0] - t1 * lat[3];
                double by01 = yi - t0 * lat[1] - t1 * lat[4];
                double bz01 = zi - t0 * lat[2] - t1 * lat[5];
                int row = (w0 * nb1 + w1) * nb2;
                for (int d2i = -s2; d2i <= s2; d2i++) {
                    int c2 = b2 + d2i;
                    int t2 = Math.floorDiv(c2, nb2);
                    int w2 = c2 - t2 * nb2;
                    double bx = bx01 - t2 * lat[6];
                    double by = by01 - t2 * lat[7];
                    double bz = bz01 - t2 * lat[8];
                    int bin = row + w2;
                    boolean home = t0 == 0 && t1 == 0 && t2 == 0;
                    for (int slot = binStart[bin], end = binStart[bin + 1]; slot < end; slot++) {
                        double dx = binPos[3 * slot] - bx;
                        double dy = binPos[3 * slot + 1] - by;
                        double dz = binPos[3 * slot + 2] - bz;
                        double dd = dx * dx + dy * dy + dz * dz;
                        if (dd <= r2) {
                            int j = binSites[slot];
                            if (home && j == i) {
                                continue;
                            }
                            visitor.pair(j, t0, t1, t2, dd);
                        }
                    }
                }
            }
        }
    }
}
