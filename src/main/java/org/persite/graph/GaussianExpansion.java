package org.persite.graph;

/**
 * CGCNN's edge features: a distance d becomes G values {@code exp(-(d - mu_k)^2 / var^2)} with
 * {@code mu_k = dmin + k·step}, k = 0..G-1. Immutable and thread-safe.
 */
public final class GaussianExpansion {
    private final double[] centers; // [G]
    private final double invVar2;

    public GaussianExpansion(FeaturizerSettings s) {
        int g = s.gaussianCount();
        centers = new double[g];
        for (int k = 0; k < g; k++) {
            centers[k] = s.gaussianDmin() + k * s.gaussianStep();
        }
        invVar2 = 1.0 / (s.gaussianVar() * s.gaussianVar());
    }

    /** G. */
    public int size() {
        return centers.length;
    }

    /** Centre mu_k in Å. */
    public double center(int k) {
        return centers[k];
    }

    /** Writes the [G] features of distance d (Å) into {@code out[offset..offset+G)}. */
    public void expand(double d, float[] out, int offset) {
        for (int k = 0; k < centers.length; k++) {
            double x = d - centers[k];
            out[offset + k] = (float) Math.exp(-x * x * invVar2);
        }
    }

    /**
     * The [N, M, G] edge features of a graph, row-major. Masked slots are all zeros: they carry no
     * distance, and the convolution weights them by the mask in any case.
     */
    public float[] expand(CrystalGraph g) {
        int n = g.numSites();
        int m = g.maxNeighbors();
        float[] out = new float[n * m * centers.length];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < m; k++) {
                if (g.isNeighbor(i, k)) {
                    expand(g.neighborDistance(i, k), out, (i * m + k) * centers.length);
                }
            }
        }
        return out;
    }
}
