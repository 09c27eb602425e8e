package org.persite.graph;

import java.util.Arrays;
import org.persite.structure.Lattice;
import org.persite.structure.Structure;

/**
 * A periodic cell list over one structure, for one search radius r.
 *
 * <p>Sites are wrapped into [0, 1) and sorted into nb0×nb1×nb2 bins of the fractional grid; a bin spans
 * {@code w_k / nb_k} Å across axis k, where {@code w_k} is the cell's perpendicular width. Any periodic
 * image within r of a site lies within {@code s_k = ceil(r · nb_k / w_k)} bins of it along each axis. That
 * holds for skewed triclinic cells too, and for cells smaller than r, where s_k exceeds nb_k and a site
 * meets many images of the others and of itself.
 *
 * <p>The grid is padded by s_k bins on each side with <em>ghosts</em>: translated copies of the sites, made
 * once per structure, each remembering its site and lattice translation. In the padded grid the bins a
 * query needs along axis 2 are contiguous in memory, so a query is (2s0+1)(2s1+1) straight runs of
 * distance tests with no wrapping arithmetic. Building is O(N + ghosts); a query is O(density · r³).
 *
 * <p>The search runs in the LLL-reduced basis of the lattice, so even an absurdly skewed input cell costs
 * no more than its well-shaped equivalent; images are reported in the input's basis.
 *
 * <p>Ghost entries are numbered 0..E-1; {@link #site(int)} and {@link #image(int, int)} decode them.
 * A built instance is read-only and may be queried from several threads, each with its own {@link Pairs}.
 */
final class CellList {
    /**
     * Aim for bins about this fraction of r across axes 0 and 1. Smaller bins waste fewer distance tests on
     * pairs beyond r, at the cost of more runs per query.
     */
    private static final double BIN_FRACTION = 0.25;
    /** Along axis 2 the runs are contiguous, so thin bins cost nothing and trim the searched block. */
    private static final double BIN_FRACTION_AXIS2 = 0.125;
    /**
     * Most ghost entries (and padded bins) one search may need, about 1 GiB. After LLL reduction only an
     * absurd radius for the cell, far beyond any CGCNN cutoff, comes near it.
     */
    static final long MAX_GHOSTS = 20_000_000L;

    /**
     * The neighbours of one site, filled by {@link #collect}: entry {@code e[k]} (decode it with
     * {@link #site(int)} and {@link #image(int, int)}) at squared distance {@code d2[k]} in Å². Reused from
     * site to site (it grows, never shrinks), so the hot loop neither allocates nor calls out.
     */
    static final class Pairs {
        int size;
        int[] e = new int[512];
        double[] d2 = new double[512];

        private void ensure(int capacity) {
            if (capacity > e.length) {
                int cap = Math.max(capacity, 2 * e.length);
                e = Arrays.copyOf(e, cap);
                d2 = Arrays.copyOf(d2, cap);
            }
        }
    }

    final int n;
    final double radius;
    private final double r2;
    private final int nb0, nb1, nb2;  // bins per axis in the cell
    private final int s0, s1, s2;     // bins searched on each side, per axis
    private final int g1, g2;         // padded grid size along axes 1 and 2 (g0 is implied)
    private final int[] homeBin;      // [N] padded-grid bin (flat) of each site's own copy
    private final int[] selfEntry;    // [N] entry of each site's own copy (translation 0)
    private final int[] ghostStart;   // [bins + 1] first entry of each padded bin
    private final double[] ghostPos;  // [E·3] Cartesian position of each entry, Å
    private final int[] ghostSite;    // [E] site of each entry
    private final int[] ghostImage;   // [E·3] translation of each entry plus its site's wrap
    private final int[] wrap;         // [N·3] integer added to each (reduced-basis) coordinate to wrap it into [0, 1)
    private final long[] basis;       // [9] U with reduced = U · input, or null when the input basis is reduced

    /**
     * @throws IllegalArgumentException if the search would need more than {@link #MAX_GHOSTS} periodic
     *     copies or bins
     */
    CellList(Structure s, double radius) {
        this.n = s.size();
        this.radius = radius;
        this.r2 = radius * radius;
        // search in the LLL-reduced basis (reduced = U · input), and report images in the input basis
        long[] u = LatticeReduction.lll(s.lattice().rowMajor());
        long[] uInv = LatticeReduction.inverse(u);
        double[] in = s.lattice().rowMajor();
        double[] lat = reducedRows(u, in);
        double[] w;
        try {
            w = finite(lat) ? Lattice.ofRows(lat).perpendicularWidths() : null;
        } catch (IllegalArgumentException degenerate) {
            w = null;
        }
        if (w == null || !finite(w)) {
            // found by fuzzing: for an extreme cell the reduced basis's arithmetic overflows (widths NaN, zero bins); the
            // input basis is always valid, only slower to search
            u = new long[] {1, 0, 0, 0, 1, 0, 0, 0, 1};
            uInv = u.clone();
            lat = in.clone();
            w = Lattice.ofRows(lat).perpendicularWidths();
        }
        this.basis = isIdentity(u) ? null : u;
        Lattice lattice = Lattice.ofRows(lat);
        int[] nb = new int[3];
        for (int k = 0; k < 3; k++) {
            double target = radius * (k == 2 ? BIN_FRACTION_AXIS2 : BIN_FRACTION);
            nb[k] = (int) Math.max(1, Math.min(1 << 10, Math.floor(w[k] / target)));
        }
        long cap = Math.max(64L, 8L * n); // vacuum must not cost memory: a few bins per site at most
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
        int g0 = nb0 + 2 * s0;
        g1 = nb1 + 2 * s1;
        g2 = nb2 + 2 * s2;

        // wrap the sites and sort them into the cell's own bins
        int cellBins = nb0 * nb1 * nb2;
        int[] cellStart = new int[cellBins + 1];
        int[] cellBin = new int[n];
        int[] wrap = new int[3 * n];  // integer added to each coordinate to wrap it into [0, 1)
        double[] pos = new double[3 * n];
        double[] f = new double[3];
        int[] cell = new int[3];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 3; k++) {
                // fractional coordinate in the reduced basis: f' = f · U^-1
                double x = s.frac(i, 0) * uInv[k] + s.frac(i, 1) * uInv[3 + k] + s.frac(i, 2) * uInv[6 + k];
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
            cellBin[i] = (cell[0] * nb1 + cell[1]) * nb2 + cell[2];
            cellStart[cellBin[i] + 1]++;
        }
        for (int b = 0; b < cellBins; b++) {
            cellStart[b + 1] += cellStart[b];
        }
        int[] cellSites = new int[n];
        int[] fill = new int[cellBins];
        for (int i = 0; i < n; i++) {
            cellSites[cellStart[cellBin[i]] + fill[cellBin[i]]++] = i;
        }

        // the padded grid: bin (q0, q1, q2) holds the sites of cell bin c = (q - s) mod nb, translated by t = floorDiv(q - s, nb)
        int[][] c = new int[3][];
        int[][] t = new int[3][];
        int[] g = {g0, g1, g2};
        int[] sk = {s0, s1, s2};
        for (int ax = 0; ax < 3; ax++) {
            c[ax] = new int[g[ax]];
            t[ax] = new int[g[ax]];
            for (int q = 0; q < g[ax]; q++) {
                t[ax][q] = Math.floorDiv(q - sk[ax], nb[ax]);
                c[ax][q] = q - sk[ax] - t[ax][q] * nb[ax];
            }
        }
        if ((long) g0 * g1 * g2 > MAX_GHOSTS) {
            throw tooMany(radius);
        }
        int paddedBins = g0 * g1 * g2;
        ghostStart = new int[paddedBins + 1];
        long total = 0;
        for (int q0 = 0, pb = 0; q0 < g0; q0++) {
            for (int q1 = 0; q1 < g1; q1++) {
                int cellRow = (c[0][q0] * nb1 + c[1][q1]) * nb2;
                for (int q2 = 0; q2 < g2; q2++) {
                    int b = cellRow + c[2][q2];
                    total += cellStart[b + 1] - cellStart[b];
                    ghostStart[++pb] = (int) Math.min(total, Integer.MAX_VALUE);
                }
            }
            if (total > MAX_GHOSTS) {
                throw tooMany(radius);
            }
        }
        int e = (int) total;
        ghostPos = new double[3 * e];
        ghostSite = new int[e];
        ghostImage = new int[3 * e];
        int[] self = new int[n];
        int[] home = new int[n];
        int k = 0;
        for (int q0 = 0; q0 < g0; q0++) {
            int t0 = t[0][q0];
            for (int q1 = 0; q1 < g1; q1++) {
                int t1 = t[1][q1];
                int cellRow = (c[0][q0] * nb1 + c[1][q1]) * nb2;
                double tx01 = t0 * lat[0] + t1 * lat[3];
                double ty01 = t0 * lat[1] + t1 * lat[4];
                double tz01 = t0 * lat[2] + t1 * lat[5];
                for (int q2 = 0; q2 < g2; q2++) {
                    int t2 = t[2][q2];
                    int b = cellRow + c[2][q2];
                    int from = cellStart[b];
                    int to = cellStart[b + 1];
                    if (from == to) {
                        continue;
                    }
                    double tx = tx01 + t2 * lat[6];
                    double ty = ty01 + t2 * lat[7];
                    double tz = tz01 + t2 * lat[8];
                    boolean origin = t0 == 0 && t1 == 0 && t2 == 0;
                    for (int slot = from; slot < to; slot++) {
                        int i = cellSites[slot];
                        ghostPos[3 * k] = pos[3 * i] + tx;
                        ghostPos[3 * k + 1] = pos[3 * i + 1] + ty;
                        ghostPos[3 * k + 2] = pos[3 * i + 2] + tz;
                        ghostSite[k] = i;
                        // the translation plus the site's wrap; image(i, e) subtracts the querying site's wrap
                        ghostImage[3 * k] = t0 + wrap[3 * i];
                        ghostImage[3 * k + 1] = t1 + wrap[3 * i + 1];
                        ghostImage[3 * k + 2] = t2 + wrap[3 * i + 2];
                        if (origin) {
                            self[i] = k;
                            home[i] = (q0 * g1 + q1) * g2 + q2;
                        }
                        k++;
                    }
                }
            }
        }
        this.selfEntry = self;
        this.homeBin = home;
        this.wrap = wrap;
    }

    /**
     * Collects into {@code out} every periodic image within r of site i, except site i itself at zero
     * translation. The order is that of the bins, not of distance.
     */
    void collect(int i, Pairs out) {
        int self = selfEntry[i];
        int home = homeBin[i];
        double xi = ghostPos[3 * self];
        double yi = ghostPos[3 * self + 1];
        double zi = ghostPos[3 * self + 2];
        int h2 = home % g2;
        int h1 = (home / g2) % g1;
        int h0 = home / (g1 * g2);
        int k = 0;
        // rows centre-out (0, -1, +1, -2, +2, ...): near pairs come first, so a top-M selection over the
        // result settles its threshold early
        for (int a0 = 0; a0 <= 2 * s0; a0++) {
            int q0 = h0 + ((a0 & 1) == 0 ? a0 >> 1 : -((a0 + 1) >> 1));
            for (int a1 = 0; a1 <= 2 * s1; a1++) {
                int q1 = h1 + ((a1 & 1) == 0 ? a1 >> 1 : -((a1 + 1) >> 1));
                int row = (q0 * g1 + q1) * g2;
                int from = ghostStart[row + h2 - s2];
                int end = ghostStart[row + h2 + s2 + 1];
                out.ensure(k + end - from);
                int[] oe = out.e;
                double[] od = out.d2;
                // branch-free: every candidate is written, and the write position advances only for a hit
                for (int e = from; e < end; e++) {
                    double dx = ghostPos[3 * e] - xi;
                    double dy = ghostPos[3 * e + 1] - yi;
                    double dz = ghostPos[3 * e + 2] - zi;
                    double dd = dx * dx + dy * dy + dz * dz;
                    oe[k] = e;
                    od[k] = dd;
                    k += (dd <= r2) & (e != self) ? 1 : 0;
                }
            }
        }
        out.size = k;
    }

    /** The site of entry e. */
    int site(int e) {
        return ghostSite[e];
    }

    /**
     * Component {@code axis} of the lattice translation of entry e as seen from site i, relative to the
     * input's own (unwrapped) fractional coordinates and lattice: the neighbour is at {@code frac_j + image}.
     */
    int image(int i, int e, int axis) {
        if (basis == null) {
            return ghostImage[3 * e + axis] - wrap[3 * i + axis];
        }
        long t = 0; // image' · U: the reduced-basis translation expressed in the input basis
        for (int k = 0; k < 3; k++) {
            t += (long) (ghostImage[3 * e + k] - wrap[3 * i + k]) * basis[3 * k + axis];
        }
        return Math.toIntExact(t);
    }

    private static IllegalArgumentException tooMany(double radius) {
        return new IllegalArgumentException(String.format(
                "a neighbour search within %.4g Å of this cell needs more than %d periodic copies", radius, MAX_GHOSTS));
    }

    /** The reduced basis's rows, U · input. */
    private static double[] reducedRows(long[] u, double[] in) {
        double[] lat = new double[9];
        for (int r = 0; r < 3; r++) {
            for (int x = 0; x < 3; x++) {
                lat[3 * r + x] = u[3 * r] * in[x] + u[3 * r + 1] * in[3 + x] + u[3 * r + 2] * in[6 + x];
            }
        }
        return lat;
    }

    private static boolean finite(double[] a) {
        for (double v : a) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isIdentity(long[] u) {
        return u[0] == 1 && u[4] == 1 && u[8] == 1 && u[1] == 0 && u[2] == 0 && u[3] == 0 && u[5] == 0 && u[6] == 0 && u[7] == 0;
    }
}
