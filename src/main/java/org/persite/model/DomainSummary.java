package org.persite.model;

/**
 * The compact summary of a training set's last hidden layer that the domain-of-applicability score is
 * computed from, as written into the ONNX graph by {@link OnnxTrustHead} and computed in Java by
 * {@link #score} (the oracle the graph is tested against). H is the latent width, k the principal components,
 * Z the largest atomic number (rows are indexed by atomic number; row 0 is padding).
 *
 * <p>For a site of element e with latent h: {@code c = h - mean}, {@code z = c · projection} [k],
 * {@code r² = |c - z · projectionᵀ|²} (the part of h outside the components), {@code u = W_e (z - μ_e)},
 * {@code D = sqrt((|u|² + r² · residualInverseVariance) / (k + 1))}, {@code score = D / scale_e}. W_e is the
 * inverse Cholesky factor of element e's (shrunk) covariance in component space, so |u|² is a Mahalanobis
 * distance; an element never seen has the global statistics.
 *
 * @param mean [H], the training latents' mean
 * @param projection [H, k] row-major, orthonormal columns: the top principal directions
 * @param elementMean [Z + 1, k]
 * @param elementWhitening [Z + 1, k, k] row-major
 * @param residualInverseVariance 1 / the training sites' mean r² (floored at a millionth of their total variance): the residual's normaliser
 * @param elementScale [Z + 1], the per-element quantile D is divided by
 */
public record DomainSummary(int latentWidth, int components, float[] mean, float[] projection, float[] elementMean, float[] elementWhitening,
        float residualInverseVariance, float[] elementScale) {

    public DomainSummary {
        int h = latentWidth;
        int k = components;
        if (k < 1 || k > h || mean.length != h || projection.length != h * k || elementMean.length % k != 0) {
            throw new IllegalArgumentException("domain summary shapes do not fit H = " + h + ", k = " + k);
        }
        int rows = elementMean.length / k;
        if (elementWhitening.length != rows * k * k || elementScale.length != rows) {
            throw new IllegalArgumentException("domain summary has inconsistent per-element tables");
        }
    }

    /** Z + 1, the rows of the per-element tables. */
    public int elementRows() {
        return elementScale.length;
    }

    /** The score of one site with latent {@code h} [H] and atomic number {@code z}, in double precision. */
    public double score(double[] h, int z) {
        double[] zc = project(h);
        double r2 = residual2(h, zc);
        return distance(zc, r2, z) / elementScale[z];
    }

    /** z = (h - mean) · projection [k]. */
    public double[] project(double[] h) {
        int k = components;
        double[] out = new double[k];
        for (int i = 0; i < latentWidth; i++) {
            double c = h[i] - mean[i];
            for (int j = 0; j < k; j++) {
                out[j] += c * projection[i * k + j];
            }
        }
        return out;
    }

    /**
     * r² = |c - z Pᵀ|² with c = h - mean: the part of c outside the components. Not |c|² - |z|², which equals it for
     * orthonormal columns but cancels: the float columns are orthonormal only to about 1e-7, which is |c|²·1e-7 of
     * error, larger than the whole residual of a summary whose components hold nearly all of c (a first-shell
     * descriptor's). The graph computes it the same way.
     */
    public double residual2(double[] h, double[] zc) {
        int k = components;
        double r2 = 0;
        for (int i = 0; i < latentWidth; i++) {
            double r = h[i] - mean[i];
            for (int j = 0; j < k; j++) {
                r -= zc[j] * projection[i * k + j];
            }
            r2 += r * r;
        }
        return r2;
    }

    /** D before the per-element scale. */
    public double distance(double[] zc, double r2, int z) {
        int k = components;
        double u2 = 0;
        for (int a = 0; a < k; a++) {
            double u = 0;
            for (int b = 0; b < k; b++) {
                u += elementWhitening[(z * k + a) * k + b] * (zc[b] - elementMean[z * k + b]);
            }
            u2 += u * u;
        }
        return Math.sqrt((u2 + r2 * residualInverseVariance) / (k + 1));
    }
}
