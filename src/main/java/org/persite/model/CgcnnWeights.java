package org.persite.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The trained parameters of a per-site CGCNN, in PyTorch's layout: a linear layer's weight is
 * [out, in] row-major. A is the element feature length, G the number of Gaussian centres.
 *
 * @param embedding [F, A] + [F]: x_i = W_emb a_i + b
 * @param conv one per convolution
 * @param hidden the head's hidden layers: [H, F] then [H, H] ...
 * @param out [P, H] (or [P, F] with no hidden layer)
 * @param batchNormEps the epsilon of every BatchNorm
 * @param elementAffine the per-element scale and shift of the normalised output, or null where the
 *     hyperparameters have none
 * @param bondValence the learned bond-valence sums added to the embedding, or null where the hyperparameters have none
 * @param stateBins the state head's bin centres, or null where the hyperparameters have none; then {@code out} is
 *     [2 S P, H]
 */
public record CgcnnWeights(Linear embedding, List<ConvLayer> conv, List<Linear> hidden, Linear out, double batchNormEps,
        ElementAffine elementAffine, BondValence bondValence, StateBins stateBins) {

    public CgcnnWeights {
        conv = List.copyOf(conv);
        hidden = List.copyOf(hidden);
    }

    /** Weights with no per-element output affine. */
    public CgcnnWeights(Linear embedding, List<ConvLayer> conv, List<Linear> hidden, Linear out, double batchNormEps) {
        this(embedding, conv, hidden, out, batchNormEps, null);
    }

    /** Weights with no state head. */
    public CgcnnWeights(Linear embedding, List<ConvLayer> conv, List<Linear> hidden, Linear out, double batchNormEps, ElementAffine elementAffine,
            BondValence bondValence) {
        this(embedding, conv, hidden, out, batchNormEps, elementAffine, bondValence, null);
    }

    /** Weights with no bond-valence channels. */
    public CgcnnWeights(Linear embedding, List<ConvLayer> conv, List<Linear> hidden, Linear out, double batchNormEps, ElementAffine elementAffine) {
        this(embedding, conv, hidden, out, batchNormEps, elementAffine, null);
    }

    /**
     * Learned bond-valence sums (K channels), added to the embedding. For site i and channel k,
     * {@code V_ik = Σ_j mask_ij · exp(clamp((r[Z_i, k] + r[Z_j, k] - d_ij) / B, MIN_EXPONENT, MAX_EXPONENT))}, the
     * bond-valence sum of Brown and Altermatt with R0 = r[Z_i] + r[Z_j] learned per element, and
     * {@code x_i += W log(1 + V_i) + b} (projection [F, K]).
     *
     * @param rows the radius table's rows, Z = 0 (padding) to rows - 1
     * @param channels K
     * @param radius r [rows, K] row-major, Å
     * @param projection W [F, K] and b [F]
     */
    public record BondValence(int rows, int channels, float[] radius, Linear projection) {
        /** The bond-valence softness b in Å (Brown and Altermatt's 0.37). */
        public static final double B = 0.37;
        /** The exponent is capped here (e^8 ≈ 3,000 per bond), so a learned radius never overflows a float. */
        public static final double MAX_EXPONENT = 8;
        /** ... and floored here, as the Gaussians are, so no subnormal float is produced. */
        public static final double MIN_EXPONENT = -60;

        public BondValence {
            if (radius.length != rows * channels || projection.in() != channels) {
                throw new IllegalArgumentException("bond-valence radii must be [" + rows + ", " + channels + "] and the projection [F, " + channels + "]");
            }
        }

        public float radius(int z, int k) {
            return radius[z * channels + k];
        }

        /** One bond's valence in channel k: {@code exp(clamp((r_i + r_j - d) / B))}. */
        public static double bond(double ri, double rj, double d) {
            return Math.exp(Math.max(MIN_EXPONENT, Math.min(MAX_EXPONENT, (ri + rj - d) / B)));
        }
    }

    /**
     * A per-site state head's fixed bin centres, in normalised target units ({@link CgcnnHyperparameters#stateBins()}).
     * The output layer's 2 S P outputs are, for property q, S logits at {@code [2 S q, 2 S q + S)} and S offsets at
     * {@code [2 S q + S, 2 S (q + 1))}; bin s's value is {@code centre[q, s] + offset_s}; the prediction is the value of
     * {@link #medianBin the median bin}.
     *
     * @param properties P
     * @param bins S
     * @param centres [P, S] row-major, ascending within a property
     */
    public record StateBins(int properties, int bins, float[] centres) {
        public StateBins {
            if (centres.length != properties * bins || bins < 2) {
                throw new IllegalArgumentException("state bin centres must be [" + properties + ", " + bins + "] with at least 2 bins");
            }
            for (int q = 0; q < properties; q++) {
                for (int s = 1; s < bins; s++) {
                    if (!(centres[q * bins + s] > centres[q * bins + s - 1])) {
                        throw new IllegalArgumentException("state bin centres must rise within a property");
                    }
                }
            }
        }

        public float centre(int q, int s) {
            return centres[q * bins + s];
        }

        /**
         * The bin where the cumulative softmax of the logits [S] first reaches 1/2: the median of the per-site
         * distribution over the (ascending) bins, the point an L1 loss is best at.
         */
        public static int medianBin(double[] logits) {
            double max = Double.NEGATIVE_INFINITY;
            for (double l : logits) {
                max = Math.max(max, l);
            }
            double total = 0;
            double[] e = new double[logits.length];
            for (int s = 0; s < logits.length; s++) {
                e[s] = Math.exp(logits[s] - max);
                total += e[s];
            }
            double cumulative = 0;
            for (int s = 0; s < logits.length; s++) {
                cumulative += e[s] / total;
                if (cumulative >= 0.5) {
                    return s;
                }
            }
            return logits.length - 1;
        }

        /**
         * {@code bins} centres evenly spaced from the {@code low} to the {@code high} quantile of the values (sorted
         * ascending, normalised units); the two quantiles must differ.
         */
        public static float[] evenlySpaced(float[] sortedValues, int bins, double low, double high) {
            float lo = sortedValues[(int) Math.floor(low * (sortedValues.length - 1))];
            float hi = sortedValues[(int) Math.ceil(high * (sortedValues.length - 1))];
            if (!(hi > lo)) {
                throw new IllegalArgumentException("the labels' " + low + " and " + high + " quantiles are equal (" + lo + "): no room for state bins");
            }
            float[] c = new float[bins];
            for (int s = 0; s < bins; s++) {
                c[s] = lo + (hi - lo) * s / (bins - 1);
            }
            return c;
        }
    }

    /**
     * The per-element affine on the normalised output: {@code y[i, q] = (W h_i + b)[q] · scale[Z_i, q] + shift[Z_i, q]},
     * tables [Z + 1, P] row-major indexed by atomic number (row 0 is padding).
     */
    public record ElementAffine(int rows, int properties, float[] scale, float[] shift) {
        public ElementAffine {
            if (scale.length != rows * properties || shift.length != rows * properties) {
                throw new IllegalArgumentException("per-element tables must be [" + rows + ", " + properties + "]");
            }
        }

        public float scale(int z, int q) {
            return scale[z * properties + q];
        }

        public float shift(int z, int q) {
            return shift[z * properties + q];
        }
    }

    /** y = W x + b with W [out, in] row-major. */
    public record Linear(int out, int in, float[] weight, float[] bias) {
        public Linear {
            if (weight.length != out * in || bias.length != out) {
                throw new IllegalArgumentException("linear layer " + out + "x" + in + " has " + weight.length + " weights and " + bias.length + " biases");
            }
        }

        public float w(int o, int i) {
            return weight[o * in + i];
        }
    }

    /**
     * BatchNorm with running statistics, per channel [C]: y = (x - mean) / sqrt(var + eps) · gamma + beta. In a model with
     * {@link CgcnnHyperparameters#layerNorm() LayerNorm}, the same record holds the LayerNorm's gamma and beta, and its
     * running statistics are unused (0 and 1 as trained).
     */
    public record BatchNorm(int channels, float[] gamma, float[] beta, float[] runningMean, float[] runningVar) {
        public BatchNorm {
            if (gamma.length != channels || beta.length != channels || runningMean.length != channels || runningVar.length != channels) {
                throw new IllegalArgumentException("batch norm arrays must all have " + channels + " channels");
            }
        }
    }

    /**
     * One gated convolution: {@code full} is [2F, 2F + G] acting on [x_i; x_j; e_ij], {@code bn1} normalises
     * its 2F outputs, {@code bn2} the F summed messages.
     */
    public record ConvLayer(Linear full, BatchNorm bn1, BatchNorm bn2) {
    }

    /** Checks every shape against the hyperparameters. */
    public void check(CgcnnHyperparameters hp, int elementFeatures, int gaussians, int properties) {
        int f = hp.atomFeatures();
        require(embedding.out() == f && embedding.in() == elementFeatures, "embedding must be [F, A] = [" + f + ", " + elementFeatures + "]");
        require(conv.size() == hp.convLayers(), "expected " + hp.convLayers() + " convolutions, found " + conv.size());
        for (ConvLayer c : conv) {
            require(c.full().out() == 2 * f && c.full().in() == 2 * f + gaussians, "convolution must be [2F, 2F+G] = [" + 2 * f + ", " + (2 * f + gaussians) + "]");
            require(c.bn1().channels() == 2 * f && c.bn2().channels() == f, "batch norms must have 2F and F channels");
        }
        require(hidden.size() == hp.hiddenLayers(), "expected " + hp.hiddenLayers() + " hidden layers, found " + hidden.size());
        int width = hp.headInput();
        for (Linear h : hidden) {
            require(h.in() == width && h.out() == hp.hiddenWidth(), "hidden layer must be [H, in]");
            width = h.out();
        }
        int units = hp.outputUnits(properties);
        require(out.in() == width && out.out() == units, "output layer must be [" + (hp.stateBins() > 0 ? "2SP" : "P") + ", H] = [" + units + ", " + width + "]");
        require((hp.stateBins() > 0) == (stateBins != null), hp.stateBins() > 0 ? "the state bins' centres are missing"
                : "weights have state bins the hyperparameters do not name");
        require(stateBins == null || stateBins.bins() == hp.stateBins() && stateBins.properties() == properties,
                "state bins must be [P, S] = [" + properties + ", " + hp.stateBins() + "]");
        require(hp.elementAffine() == (elementAffine != null), hp.elementAffine() ? "the per-element output affine is missing" : "weights have a per-element output affine the hyperparameters do not name");
        require(elementAffine == null || elementAffine.properties() == properties, "per-element tables must have P = " + properties + " columns");
        require((hp.bondValenceChannels() > 0) == (bondValence != null), hp.bondValenceChannels() > 0 ? "the bond-valence channels are missing"
                : "weights have bond-valence channels the hyperparameters do not name");
        require(bondValence == null || bondValence.channels() == hp.bondValenceChannels() && bondValence.projection().out() == f,
                "bond-valence channels must be K = " + hp.bondValenceChannels() + " projected to F = " + f);
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("weights do not fit the model: " + what);
        }
    }

    /**
     * Seeded random weights for tests and benchmarks (never a shipped model): Kaiming-like uniform weights,
     * and BatchNorm statistics drawn so that no channel is degenerate.
     */
    public static CgcnnWeights random(CgcnnHyperparameters hp, int elementFeatures, int gaussians, int properties, long seed) {
        Random rnd = new Random(seed);
        int f = hp.atomFeatures();
        Linear emb = linear(rnd, f, elementFeatures);
        List<ConvLayer> conv = new ArrayList<>();
        for (int l = 0; l < hp.convLayers(); l++) {
            conv.add(new ConvLayer(linear(rnd, 2 * f, 2 * f + gaussians), batchNorm(rnd, 2 * f), batchNorm(rnd, f)));
        }
        List<Linear> hidden = new ArrayList<>();
        int width = hp.headInput();
        for (int h = 0; h < hp.hiddenLayers(); h++) {
            hidden.add(linear(rnd, hp.hiddenWidth(), width));
            width = hp.hiddenWidth();
        }
        ElementAffine affine = null;
        if (hp.elementAffine()) {
            int rows = 119;
            float[] scale = new float[rows * properties];
            float[] shift = new float[rows * properties];
            for (int k = 0; k < scale.length; k++) {
                scale[k] = 0.5f + rnd.nextFloat();
                shift[k] = 2 * rnd.nextFloat() - 1;
            }
            affine = new ElementAffine(rows, properties, scale, shift);
        }
        BondValence bv = null;
        if (hp.bondValenceChannels() > 0) {
            int rows = 119;
            int k = hp.bondValenceChannels();
            float[] radius = new float[rows * k];
            for (int q = 0; q < radius.length; q++) {
                radius[q] = 0.6f + 0.6f * rnd.nextFloat(); // R0 = r_i + r_j from 1.2 to 2.4 Å, where real ones lie
            }
            bv = new BondValence(rows, k, radius, linear(rnd, f, k));
        }
        StateBins bins = null;
        if (hp.stateBins() > 0) {
            float[] c = new float[properties * hp.stateBins()];
            for (int q = 0; q < properties; q++) {
                for (int s = 0; s < hp.stateBins(); s++) {
                    c[q * hp.stateBins() + s] = -1.5f + 3f * s / (hp.stateBins() - 1) + 0.1f * q;
                }
            }
            bins = new StateBins(properties, hp.stateBins(), c);
        }
        return new CgcnnWeights(emb, conv, hidden, linear(rnd, hp.outputUnits(properties), width), 1e-5, affine, bv, bins);
    }

    private static Linear linear(Random rnd, int out, int in) {
        float bound = (float) (1 / Math.sqrt(in));
        float[] w = new float[out * in];
        float[] b = new float[out];
        for (int k = 0; k < w.length; k++) {
            w[k] = (2 * rnd.nextFloat() - 1) * bound;
        }
        for (int k = 0; k < b.length; k++) {
            b[k] = (2 * rnd.nextFloat() - 1) * bound;
        }
        return new Linear(out, in, w, b);
    }

    private static BatchNorm batchNorm(Random rnd, int c) {
        float[] gamma = new float[c];
        float[] beta = new float[c];
        float[] mean = new float[c];
        float[] var = new float[c];
        for (int k = 0; k < c; k++) {
            gamma[k] = 0.5f + rnd.nextFloat();
            beta[k] = 0.2f * (2 * rnd.nextFloat() - 1);
            mean[k] = 0.3f * (2 * rnd.nextFloat() - 1);
            var[k] = 0.5f + rnd.nextFloat();
        }
        return new BatchNorm(c, gamma, beta, mean, var);
    }
}
