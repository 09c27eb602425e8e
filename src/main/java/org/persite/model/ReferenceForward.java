package org.persite.model;

import org.persite.graph.CrystalGraph;
import org.persite.graph.ElementTable;
import org.persite.graph.GaussianExpansion;

/**
 * The per-site CGCNN in its naive form, in double precision, with no ONNX and no tricks: for every
 * neighbour it concatenates [x_i; x_j; e_ij], applies the full linear layer, BatchNorm with running
 * statistics, then the gates. It is slow on purpose, and it is the oracle the ONNX graph is tested against.
 *
 * <p>Math (GUIDE §1): {@code x_i = W_emb a_i + b},
 * with the bond-valence channels {@code x_i += W_bv log(1 + V_i) + b_bv} where the card has them
 * ({@link CgcnnWeights.BondValence}); per convolution
 * {@code z_ij = BN1(W [x_i; x_j; e_ij] + b)}, {@code (filter, core) = split(z_ij)},
 * {@code s_i = Σ_j mask_ij · sigmoid(filter) · softplus(core)}, {@code x_i' = softplus(x_i + BN2(s_i))};
 * head {@code h = softplus(W_k h + b_k)} from {@code h = softplus(x_i)}, {@code y = W_out h + b_out}
 * (softplus, or SiLU where the card's hyperparameters say so), with the per-element affine
 * {@code y · scale[Z_i] + shift[Z_i]} where the card has one, or the state head's median-bin readout
 * ({@link CgcnnWeights.StateBins}) where the card has that, then {@code y · std + mean}. With
 * {@link CgcnnHyperparameters#layerNorm()}, BN1 is a LayerNorm of each half of z_ij over its F channels and BN2 a
 * LayerNorm of s_i. With {@link CgcnnHyperparameters#crystalContext()}, the head starts from
 * {@code [softplus(x_i); mean over the crystal's sites j of softplus(x_j)]}.
 */
public final class ReferenceForward {
    private final ModelSpec spec;
    private final CgcnnWeights w;
    private final ElementTable table;
    private final GaussianExpansion gaussians;

    public ReferenceForward(ModelSpec spec, CgcnnWeights weights, ElementTable table) {
        this.spec = spec;
        this.w = weights;
        this.table = table;
        this.gaussians = new GaussianExpansion(spec.featurizer());
        weights.check(spec.hyperparameters(), table.featureLength(), gaussians.size(), spec.propertyCount());
    }

    /** Predictions [N·P] (row-major site, property) for one crystal graph, before any constraint. */
    public double[] predict(CrystalGraph g) {
        double[][] h = latent(g);
        int n = g.numSites();
        int p = spec.propertyCount();
        double[] out = new double[n * p];
        for (int i = 0; i < n; i++) {
            double[] y = w.stateBins() == null ? linear(w.out(), h[i]) : stateReadout(w.stateBins(), linear(w.out(), h[i]));
            int z = g.species(i);
            for (int q = 0; q < p; q++) {
                PropertySpec prop = spec.properties().get(q);
                double v = w.elementAffine() == null ? y[q] : y[q] * w.elementAffine().scale(z, q) + w.elementAffine().shift(z, q);
                out[i * p + q] = v * prop.std() + prop.mean();
            }
        }
        return out;
    }

    /**
     * A state head's readout [P] from the output layer's [2 S P]: for each property, the value (centre + offset) of the
     * bin where the cumulative softmax of its S logits first reaches 1/2.
     */
    static double[] stateReadout(CgcnnWeights.StateBins bins, double[] raw) {
        int s = bins.bins();
        double[] y = new double[bins.properties()];
        for (int q = 0; q < y.length; q++) {
            int at = CgcnnWeights.StateBins.medianBin(java.util.Arrays.copyOfRange(raw, 2 * s * q, 2 * s * q + s));
            y[q] = bins.centre(q, at) + raw[2 * s * q + s + at];
        }
        return y;
    }

    /**
     * Predictions [N·P] with the properties' constraints applied as the graph applies them
     * ({@link TrustMath#constrain}); {@code total} is the structure's conserved sum (for example its charge).
     */
    public double[] predictConstrained(CrystalGraph g, double total) {
        return TrustMath.constrain(spec, predict(g), null, total);
    }

    /** The last hidden layer h [N][H] (the output layer's input), what the domain score is computed from. */
    public double[][] latent(CrystalGraph g) {
        int n = g.numSites();
        int m = g.maxNeighbors();
        int f = spec.hyperparameters().atomFeatures();
        Activation act = spec.hyperparameters().activation();
        int gc = gaussians.size();
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) {
            float[] a = table.features(g.species(i));
            x[i] = linear(w.embedding(), toDouble(a));
        }
        CgcnnWeights.BondValence bv = w.bondValence();
        if (bv != null) {
            for (int i = 0; i < n; i++) {
                double[] u = new double[bv.channels()];
                for (int k = 0; k < bv.channels(); k++) {
                    double sum = 0;
                    for (int s = 0; s < m; s++) {
                        if (g.isNeighbor(i, s)) {
                            sum += CgcnnWeights.BondValence.bond(bv.radius(g.species(i), k), bv.radius(g.species(g.neighborIndex(i, s)), k),
                                    g.neighborDistance(i, s));
                        }
                    }
                    u[k] = Math.log1p(sum);
                }
                double[] add = linear(bv.projection(), u);
                for (int c = 0; c < f; c++) {
                    x[i][c] += add[c];
                }
            }
        }
        float[] e = new float[gc];
        boolean layerNorm = spec.hyperparameters().layerNorm();
        for (CgcnnWeights.ConvLayer layer : w.conv()) {
            double[][] next = new double[n][];
            for (int i = 0; i < n; i++) {
                double[] s = new double[f];
                for (int k = 0; k < m; k++) {
                    if (!g.isNeighbor(i, k)) {
                        continue;
                    }
                    int j = g.neighborIndex(i, k);
                    gaussians.expand(g.neighborDistance(i, k), e, 0);
                    double[] v = new double[2 * f + gc];
                    System.arraycopy(x[i], 0, v, 0, f);
                    System.arraycopy(x[j], 0, v, f, f);
                    for (int q = 0; q < gc; q++) {
                        v[2 * f + q] = e[q];
                    }
                    double[] z = layerNorm ? layerNormHalves(layer.bn1(), linear(layer.full(), v), f) : batchNorm(layer.bn1(), linear(layer.full(), v));
                    for (int c = 0; c < f; c++) {
                        s[c] += sigmoid(z[c]) * act.apply(z[f + c]);
                    }
                }
                double[] bn = layerNorm ? layerNormHalves(layer.bn2(), s, f) : batchNorm(layer.bn2(), s);
                next[i] = new double[f];
                for (int c = 0; c < f; c++) {
                    next[i][c] = act.apply(x[i][c] + bn[c]);
                }
            }
            x = next;
        }
        double[][] site = new double[n][f];
        double[] crystalMean = new double[f];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < f; c++) {
                site[i][c] = act.apply(x[i][c]);
                crystalMean[c] += site[i][c] / n;
            }
        }
        boolean context = spec.hyperparameters().crystalContext();
        double[][] latent = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] h = context ? new double[2 * f] : site[i];
            if (context) { // [h_i; the crystal's mean of h]
                System.arraycopy(site[i], 0, h, 0, f);
                System.arraycopy(crystalMean, 0, h, f, f);
            }
            for (CgcnnWeights.Linear hidden : w.hidden()) {
                h = linear(hidden, h);
                for (int c = 0; c < h.length; c++) {
                    h[c] = act.apply(h[c]);
                }
            }
            latent[i] = h;
        }
        return latent;
    }

    private static double[] linear(CgcnnWeights.Linear l, double[] v) {
        double[] y = new double[l.out()];
        for (int o = 0; o < l.out(); o++) {
            double acc = l.bias()[o];
            for (int i = 0; i < l.in(); i++) {
                acc += l.w(o, i) * v[i];
            }
            y[o] = acc;
        }
        return y;
    }

    private double[] batchNorm(CgcnnWeights.BatchNorm bn, double[] v) {
        double[] y = new double[v.length];
        for (int c = 0; c < v.length; c++) {
            y[c] = (v[c] - bn.runningMean()[c]) / Math.sqrt(bn.runningVar()[c] + w.batchNormEps()) * bn.gamma()[c] + bn.beta()[c];
        }
        return y;
    }

    /**
     * LayerNorm of each {@code width}-long part of v on its own (the two gate halves of a message, or the one part of
     * the summed messages): {@code (v - mean) / sqrt(var + eps) · gamma + beta} with the part's mean and (biased)
     * variance; the record's running statistics are not used.
     */
    private double[] layerNormHalves(CgcnnWeights.BatchNorm norm, double[] v, int width) {
        double[] y = new double[v.length];
        for (int from = 0; from < v.length; from += width) {
            double mean = 0;
            for (int c = from; c < from + width; c++) {
                mean += v[c];
            }
            mean /= width;
            double var = 0;
            for (int c = from; c < from + width; c++) {
                var += (v[c] - mean) * (v[c] - mean);
            }
            var /= width;
            for (int c = from; c < from + width; c++) {
                y[c] = (v[c] - mean) / Math.sqrt(var + w.batchNormEps()) * norm.gamma()[c] + norm.beta()[c];
            }
        }
        return y;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int k = 0; k < a.length; k++) {
            d[k] = a[k];
        }
        return d;
    }

    static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    static double softplus(double v) {
        return v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
    }
}
