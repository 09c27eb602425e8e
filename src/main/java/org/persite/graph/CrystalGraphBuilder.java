package org.persite.graph;

import org.persite.structure.Structure;

/**
 * Builds the {@link CrystalGraph} of a structure: a {@link CellList} search within the cutoff, then a
 * partial selection of the M nearest per site.
 *
 * <p>Order and ties: slots are sorted by distance rounded to float32 (the precision the model sees), then
 * by neighbour index, then by image (i, j, k). The same structure therefore always gives the same graph,
 * and a rigid translation changes nothing but the images.
 *
 * <p>Stateless and thread-safe; each call allocates its own buffers.
 */
public final class CrystalGraphBuilder {
    private final double cutoff;
    private final int maxNeighbors;

    /** A builder for the cutoff and M of these featurizer settings. */
    public CrystalGraphBuilder(FeaturizerSettings settings) {
        this(settings.cutoff(), settings.maxNeighbors());
    }

    /**
     * @param cutoff r in Å, > 0
     * @param maxNeighbors M, >= 1
     */
    public CrystalGraphBuilder(double cutoff, int maxNeighbors) {
        if (!(cutoff > 0) || Double.isInfinite(cutoff)) {
            throw new IllegalArgumentException("cutoff must be a positive number of Å, got " + cutoff);
        }
        if (maxNeighbors < 1) {
            throw new IllegalArgumentException("max-neighbors must be >= 1, got " + maxNeighbors);
        }
        this.cutoff = cutoff;
        this.maxNeighbors = maxNeighbors;
    }

    public double cutoff() {
        return cutoff;
    }

    public int maxNeighbors() {
        return maxNeighbors;
    }

    public CrystalGraph build(Structure s) {
        int n = s.size();
        int m = maxNeighbors;
        CellList cells = new CellList(s, cutoff);
        int[] index = new int[n * m];
        float[] distance = new float[n * m];
        float[] mask = new float[n * m];
        int[] image = new int[3 * n * m];
        int[] count = new int[n];
        CellList.Pairs pairs = new CellList.Pairs();
        NearestSelection sel = new NearestSelection(m, cells);
        for (int i = 0; i < n; i++) {
            cells.collect(i, pairs);
            sel.select(i, pairs);
            count[i] = pairs.size;
            int base = i * m;
            for (int k = 0; k < m; k++) {
                if (k < sel.size) {
                    index[base + k] = sel.j[k];
                    distance[base + k] = sel.d[k];
                    mask[base + k] = 1f;
                    image[3 * (base + k)] = sel.t[3 * k];
                    image[3 * (base + k) + 1] = sel.t[3 * k + 1];
                    image[3 * (base + k) + 2] = sel.t[3 * k + 2];
                } else {
                    index[base + k] = i; // masked slot: a valid index for gathers, weighted 0 by the mask
                }
            }
        }
        return new CrystalGraph(n, m, cutoff, s.atomicNumbers(), index, distance, mask, image, count);
    }

    /** Picks the M nearest of one site's pairs, sorted, by insertion into a short sorted list. */
    private static final class NearestSelection {
        final int m;
        final CellList cells;
        final float[] d;
        final int[] j;
        final int[] t;
        int size;
        int site;
        double worstD2;

        NearestSelection(int m, CellList cells) {
            this.m = m;
            this.cells = cells;
            this.d = new float[m];
            this.j = new int[m];
            this.t = new int[3 * m];
        }

        void select(int i, CellList.Pairs pairs) {
            site = i;
            size = 0;
            worstD2 = Double.POSITIVE_INFINITY;
            for (int k = 0; k < pairs.size; k++) {
                double d2 = pairs.d2[k];
                if (d2 <= worstD2) {
                    offer(pairs.e[k], d2);
                }
            }
        }

        private void offer(int e, double d2) {
            int nj = cells.site(e);
            float dist = (float) Math.sqrt(d2);
            int i0 = cells.image(site, e, 0);
            int i1 = cells.image(site, e, 1);
            int i2 = cells.image(site, e, 2);
            int pos = size;
            while (pos > 0 && before(dist, nj, i0, i1, i2, pos - 1)) {
                pos--;
            }
            if (pos >= m) {
                return;
            }
            int last = Math.min(size, m - 1);
            for (int k = last; k > pos; k--) {
                d[k] = d[k - 1];
                j[k] = j[k - 1];
                t[3 * k] = t[3 * (k - 1)];
                t[3 * k + 1] = t[3 * (k - 1) + 1];
                t[3 * k + 2] = t[3 * (k - 1) + 2];
            }
            d[pos] = dist;
            j[pos] = nj;
            t[3 * pos] = i0;
            t[3 * pos + 1] = i1;
            t[3 * pos + 2] = i2;
            if (size < m) {
                size++;
            }
            if (size == m) {
                // anything farther than the (float) worst kept distance can never enter; ties can
                double w = d[m - 1];
                worstD2 = Math.nextUp((float) w) * (double) Math.nextUp((float) w);
            }
        }

        /** Whether (dist, nj, image) sorts before slot k. */
        private boolean before(float dist, int nj, int i0, int i1, int i2, int k) {
            if (dist != d[k]) {
                return dist < d[k];
            }
            if (nj != j[k]) {
                return nj < j[k];
            }
            if (i0 != t[3 * k]) {
                return i0 < t[3 * k];
            }
            if (i1 != t[3 * k + 1]) {
                return i1 < t[3 * k + 1];
            }
            return i2 < t[3 * k + 2];
        }
    }
}
