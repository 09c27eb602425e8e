package org.persite.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.persite.model.DomainSummary;

/**
 * Fits a {@link DomainSummary} on the last hidden layer of a model's training sites (Janet, Duan, Yang, Nandy
 * and Kulik, Chem. Sci. 2019: the distance in a network's latent space tells where its predictions can be
 * trusted). Per-element statistics make a Fe site among Fe atoms unlike any Fe site among oxygens even when
 * both are "Fe".
 *
 * <ol>
 *   <li>Global mean and covariance of h [H] over the training sites; its top k eigenvectors (Jacobi) are the
 *       projection.</li>
 *   <li>Per element, the mean and covariance of z = (h - mean) · P [k], shrunk towards the global covariance
 *       with {@value #SHRINK_SITES} pseudo-sites (rare elements get the global shape); W_e = L_e⁻¹ (Cholesky).</li>
 *   <li>The residual r² = |h - mean|² - |z|² is normalised by its training mean.</li>
 *   <li>Each element's scale is the {@code quantile} of D over its training sites ({@value #MIN_SITES_FOR_OWN_SCALE}
 *       or more), else over all training sites.</li>
 * </ol>
 */
public final class DomainFitter {
    /** Pseudo-sites of the global covariance added to every element's. */
    public static final int SHRINK_SITES = 32;
    /** The residual's variance is at least this share of the latents' total variance (float32 rounding below it). */
    public static final double RESIDUAL_FLOOR = 1e-6;
    /** An element needs this many training sites for a scale of its own. */
    public static final int MIN_SITES_FOR_OWN_SCALE = 50;

    private DomainFitter() {
    }

    /** Latent rows of sites: h [n, H] row-major, with each site's atomic number. */
    public record Latents(int width, float[] h, int[] species) {
        public int sites() {
            return species.length;
        }
    }

    /**
     * Fits the summary.
     *
     * @param components k (at most H)
     * @param quantile the training quantile a score of 1 stands for (for example 0.99)
     * @param elementRows Z + 1, the per-element table rows
     */
    public static DomainSummary fit(Latents train, int components, double quantile, int elementRows) {
        int hw = train.width();
        int k = Math.min(components, hw);
        int n = train.sites();
        if (n < 2) {
            throw new IllegalArgumentException("a domain summary needs at least 2 training sites");
        }
        double[] mean = new double[hw];
        for (int s = 0; s < n; s++) {
            for (int i = 0; i < hw; i++) {
                mean[i] += train.h()[s * hw + i];
            }
        }
        for (int i = 0; i < hw; i++) {
            mean[i] /= n;
        }
        double[][] cov = new double[hw][hw];
        double[] c = new double[hw];
        for (int s = 0; s < n; s++) {
            for (int i = 0; i < hw; i++) {
                c[i] = train.h()[s * hw + i] - mean[i];
            }
            for (int i = 0; i < hw; i++) {
                double ci = c[i];
                double[] row = cov[i];
                for (int j = i; j < hw; j++) {
                    row[j] += ci * c[j];
                }
            }
        }
        for (int i = 0; i < hw; i++) {
            for (int j = i; j < hw; j++) {
                cov[i][j] /= n - 1;
                cov[j][i] = cov[i][j];
            }
        }
        double[][] vectors = new double[hw][hw];
        double[] values = jacobiEigen(cov, vectors);
        Integer[] order = new Integer[hw];
        for (int i = 0; i < hw; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(values[b], values[a]));
        float[] projection = new float[hw * k];
        double[] lambda = new double[k];
        for (int j = 0; j < k; j++) {
            lambda[j] = Math.max(values[order[j]], 0);
            for (int i = 0; i < hw; i++) {
                projection[i * k + j] = (float) vectors[i][order[j]];
            }
        }
        float[] meanF = new float[hw];
        for (int i = 0; i < hw; i++) {
            meanF[i] = (float) mean[i];
        }
        // z and r² per site, with the float projection the graph uses
        DomainSummary projector = new DomainSummary(hw, k, meanF, projection, new float[k], new float[k * k], 0f, new float[1]);
        double[][] z = new double[n][];
        double[] r2 = new double[n];
        double r2sum = 0;
        double[] h = new double[hw];
        for (int s = 0; s < n; s++) {
            for (int i = 0; i < hw; i++) {
                h[i] = train.h()[s * hw + i];
            }
            z[s] = projector.project(h);
            r2[s] = projector.residual2(h, z[s]);
            r2sum += r2[s];
        }
        // the residual's variance per site, floored at a millionth of the total variance: below it, r² is the float32
        // rounding of the graph's c - z Pᵀ (|c|·1e-7 per dimension), not a direction the training sites vary in
        double total = 0;
        for (double v : values) {
            total += Math.max(v, 0);
        }
        double residualVariance = Math.max(r2sum / n, RESIDUAL_FLOOR * total);
        float residualInverse = residualVariance > 1e-12 ? (float) (1 / residualVariance) : 0f;
        double ridge = 1e-6 * Math.max(Arrays.stream(lambda).average().orElse(1), 1e-12);

        // per element: mean and shrunk covariance in component space
        long[] count = new long[elementRows];
        double[][] sum = new double[elementRows][k];
        double[][][] outer = new double[elementRows][][];
        for (int s = 0; s < n; s++) {
            int e = train.species()[s];
            count[e]++;
            if (outer[e] == null) {
                outer[e] = new double[k][k];
            }
            for (int a = 0; a < k; a++) {
                sum[e][a] += z[s][a];
                for (int b = 0; b < k; b++) {
                    outer[e][a][b] += z[s][a] * z[s][b];
                }
            }
        }
        float[] elementMean = new float[elementRows * k];
        float[] whitening = new float[elementRows * k * k];
        for (int e = 0; e < elementRows; e++) {
            double[] mu = new double[k];
            double[][] sigma = new double[k][k];
            long ne = count[e];
            for (int a = 0; a < k; a++) {
                mu[a] = ne == 0 ? 0 : sum[e][a] / ne;
            }
            for (int a = 0; a < k; a++) {
                for (int b = 0; b < k; b++) {
                    double own = ne == 0 ? 0 : outer[e][a][b] - ne * mu[a] * mu[b]; // scatter about the element mean
                    double global = a == b ? lambda[a] : 0;
                    sigma[a][b] = (own + SHRINK_SITES * global) / (ne + SHRINK_SITES) + (a == b ? ridge : 0);
                }
                elementMean[e * k + a] = (float) mu[a];
            }
            double[][] inv = inverseCholesky(sigma);
            for (int a = 0; a < k; a++) {
                for (int b = 0; b < k; b++) {
                    whitening[(e * k + a) * k + b] = (float) inv[a][b];
                }
            }
        }
        DomainSummary unscaled = new DomainSummary(hw, k, meanF, projection, elementMean, whitening, residualInverse, filled(elementRows, 1f));
        double[] d = new double[n];
        List<List<Double>> perElement = new ArrayList<>();
        for (int e = 0; e < elementRows; e++) {
            perElement.add(new ArrayList<>());
        }
        for (int s = 0; s < n; s++) {
            d[s] = unscaled.distance(z[s], r2[s], train.species()[s]);
            perElement.get(train.species()[s]).add(d[s]);
        }
        double globalScale = quantile(Arrays.stream(d).boxed().toList(), quantile);
        float[] scale = new float[elementRows];
        for (int e = 0; e < elementRows; e++) {
            double q = perElement.get(e).size() >= MIN_SITES_FOR_OWN_SCALE ? quantile(perElement.get(e), quantile) : globalScale;
            scale[e] = (float) Math.max(q, 1e-6);
        }
        return new DomainSummary(hw, k, meanF, projection, elementMean, whitening, residualInverse, scale);
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    /** The q-quantile (nearest rank) of the values. */
    public static double quantile(List<Double> values, double q) {
        double[] a = values.stream().mapToDouble(Double::doubleValue).toArray();
        if (a.length == 0) {
            return Double.NaN;
        }
        Arrays.sort(a);
        return quantileOfSorted(a, q);
    }

    /** As {@link #quantile}, of values already sorted ascending (at least one). */
    static double quantileOfSorted(double[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, Math.max(0, (int) Math.ceil(q * sorted.length) - 1))];
    }

    /** Eigenvalues of a symmetric matrix (destroyed), eigenvectors into the columns of {@code v} (cyclic Jacobi). */
    static double[] jacobiEigen(double[][] a, double[][] v) {
        int n = a.length;
        for (int i = 0; i < n; i++) {
            Arrays.fill(v[i], 0);
            v[i][i] = 1;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            double diag = 0;
            for (int i = 0; i < n; i++) {
                diag += a[i][i] * a[i][i];
                for (int j = i + 1; j < n; j++) {
                    off += a[i][j] * a[i][j];
                }
            }
            if (off <= 1e-22 * Math.max(diag, 1e-300)) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (Math.abs(a[p][q]) < 1e-300) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double cs = 1 / Math.sqrt(t * t + 1);
                    double sn = t * cs;
                    for (int k = 0; k < n; k++) {
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = cs * akp - sn * akq;
                        a[k][q] = sn * akp + cs * akq;
                    }
                    for (int k = 0; k < n; k++) {
                        double apk = a[p][k];
                        double aqk = a[q][k];
                        a[p][k] = cs * apk - sn * aqk;
                        a[q][k] = sn * apk + cs * aqk;
                    }
                    for (int k = 0; k < n; k++) {
                        double vkp = v[k][p];
                        double vkq = v[k][q];
                        v[k][p] = cs * vkp - sn * vkq;
                        v[k][q] = sn * vkp + cs * vkq;
                    }
                }
            }
        }
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = a[i][i];
        }
        return values;
    }

    /** L⁻¹ for the Cholesky factor L of a symmetric positive definite matrix (so |L⁻¹ x|² = xᵀ Σ⁻¹ x). */
    static double[][] inverseCholesky(double[][] s) {
        int k = s.length;
        double[][] l = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j <= i; j++) {
                double acc = s[i][j];
                for (int m = 0; m < j; m++) {
                    acc -= l[i][m] * l[j][m];
                }
                if (i == j) {
                    if (!(acc > 0)) {
                        throw new IllegalArgumentException("a covariance is not positive definite");
                    }
                    l[i][i] = Math.sqrt(acc);
                } else {
                    l[i][j] = acc / l[j][j];
                }
            }
        }
        double[][] inv = new double[k][k];
        for (int col = 0; col < k; col++) { // forward substitution: L x = e_col
            for (int i = 0; i < k; i++) {
                double acc = i == col ? 1 : 0;
                for (int m = 0; m < i; m++) {
                    acc -= l[i][m] * inv[m][col];
                }
                inv[i][col] = acc / l[i][i];
            }
        }
        return inv;
    }
}
