package org.persite.model;

/**
 * The shape of a per-site CGCNN.
 *
 * @param atomFeatures F, hidden atom feature length
 * @param convLayers n_conv, gated graph convolutions
 * @param hiddenWidth H, width of the per-site head's hidden layers
 * @param hiddenLayers n_h, hidden layers in the head
 * @param activation the cores' and the head's activation (softplus, the paper's; SiLU opt-in)
 * @param elementAffine whether the head ends in a learned per-element scale and shift of its normalised output,
 *     {@code y = (W h + b) · scale[Z] + shift[Z]}, the shift started at the element's training median, so the
 *     network learns the residual from the per-element baseline (issue 20; off in every card before it)
 * @param bondValenceChannels K, learned bond-valence sums added to the embedding (0 = none, every card before issue 20):
 *     {@code V_ik = Σ_j mask_ij · exp((r[Z_i, k] + r[Z_j, k] - d_ij) / b)} with learned per-element radii r [Z + 1, K] and
 *     b = {@value CgcnnWeights.BondValence#B} Å, and {@code x_i += W_bv log(1 + V_i) + b_bv}: an oxidation-state estimate
 *     from the first shell's bond lengths, computed from the inputs every model already has
 * @param stateBins S, the bins of a per-site state head (0 = a plain output, every card before issue 20 step 9): the output
 *     layer gives each property S logits and S offsets, bin s stands for the value {@code c_s + o_s} (c the bin centres,
 *     fixed from the training labels), and the prediction is the value of the bin where the cumulative probability first
 *     reaches 1/2 (the median of the per-site distribution, the L1-best point). Trained with cross-entropy on the label's
 *     nearest bin plus the loss of that bin's value; aimed at spin-state choices, where one number sits between two modes.
 *     Not with {@code elementAffine}.
 * @param layerNorm whether the convolutions normalise with LayerNorm instead of BatchNorm (issue 20 item 7; off in every
 *     card before it): each gate half of a message [N, M, F] over its F channels, and the summed messages [N, F] over
 *     theirs, with learned gamma and beta and no running statistics, so a site's features never depend on the batch
 * @param crystalContext whether the head also sees its crystal (issue 20 item 3; off in every card before it): the head's
 *     input is {@code [h_i; mean over the crystal's sites j of h_j]} [N, 2F], h = act(x) after the last convolution, so
 *     every site knows the composition and state of the whole cell (for example how many ions share the charge); the
 *     graph then takes {@link ModelIo#SITE_STRUCTURE}, each atom's structure in the batch
 */
public record CgcnnHyperparameters(int atomFeatures, int convLayers, int hiddenWidth, int hiddenLayers, Activation activation,
        boolean elementAffine, int bondValenceChannels, int stateBins, boolean layerNorm, boolean crystalContext) {

    /** The most state bins a head may have. */
    public static final int MAX_STATE_BINS = 32;

    /** The most bond-valence channels a model may have (each is a [N, M] pass in the graph; 4 is what issue 20 measured). */
    public static final int MAX_BOND_VALENCE_CHANNELS = 64;

    public CgcnnHyperparameters {
        if (atomFeatures < 1 || convLayers < 0 || hiddenWidth < 1 || hiddenLayers < 0) {
            throw new IllegalArgumentException("need F >= 1, n_conv >= 0, H >= 1, n_h >= 0");
        }
        if (bondValenceChannels < 0 || bondValenceChannels > MAX_BOND_VALENCE_CHANNELS) {
            throw new IllegalArgumentException("bond-valence channels (--bond-valence, bond_valence_channels): need 0 to "
                    + MAX_BOND_VALENCE_CHANNELS + ", not " + bondValenceChannels);
        }
        if (stateBins != 0 && (stateBins < 2 || stateBins > MAX_STATE_BINS)) {
            throw new IllegalArgumentException("state bins (--state-bins, state_bins): need 0 (none) or 2 to " + MAX_STATE_BINS + ", not " + stateBins);
        }
        if (stateBins > 0 && elementAffine) {
            throw new IllegalArgumentException("a state head (--state-bins) takes the place of the per-element output affine (--element-affine):"
                    + " choose one");
        }
        if (activation == null) { // a job file or card written before the activation was recorded: the paper's
            activation = Activation.SOFTPLUS;
        }
    }

    /** No crystal context (every card before issue 20 step 22). */
    public CgcnnHyperparameters(int atomFeatures, int convLayers, int hiddenWidth, int hiddenLayers, Activation activation,
            boolean elementAffine, int bondValenceChannels, int stateBins, boolean layerNorm) {
        this(atomFeatures, convLayers, hiddenWidth, hiddenLayers, activation, elementAffine, bondValenceChannels, stateBins, layerNorm, false);
    }

    /** BatchNorm in the convolutions (every card before issue 20 step 11). */
    public CgcnnHyperparameters(int atomFeatures, int convLayers, int hiddenWidth, int hiddenLayers, Activation activation,
            boolean elementAffine, int bondValenceChannels, int stateBins) {
        this(atomFeatures, convLayers, hiddenWidth, hiddenLayers, activation, elementAffine, bondValenceChannels, stateBins, false);
    }

    /** No state head. */
    public CgcnnHyperparameters(int atomFeatures, int convLayers, int hiddenWidth, int hiddenLayers, Activation activation,
            boolean elementAffine, int bondValenceChannels) {
        this(atomFeatures, convLayers, hiddenWidth, hiddenLayers, activation, elementAffine, bondValenceChannels, 0);
    }

    /** No bond-valence channels. */
    public CgcnnHyperparameters(int atomFeatures, int convLayers, int hiddenWidth, int hiddenLayers, Activation activation,
            boolean elementAffine) {
        this(atomFeatures, convLayers, hiddenWidth, hiddenLayers, activation, elementAffine, 0);
    }

    /** No per-element output affine (every model before issue 20). */
    public CgcnnHyperparameters(int atomFeatures, int convLayers, int hiddenWidth, int hiddenLayers, Activation activation) {
        this(atomFeatures, convLayers, hiddenWidth, hiddenLayers, activation, false);
    }

    /** The paper's softplus. */
    public CgcnnHyperparameters(int atomFeatures, int convLayers, int hiddenWidth, int hiddenLayers) {
        this(atomFeatures, convLayers, hiddenWidth, hiddenLayers, Activation.SOFTPLUS);
    }

    /** The same shape with another activation. */
    public CgcnnHyperparameters with(Activation a) {
        return new CgcnnHyperparameters(atomFeatures, convLayers, hiddenWidth, hiddenLayers, a, elementAffine, bondValenceChannels, stateBins, layerNorm, crystalContext);
    }

    /** The same shape with or without the per-element output affine. */
    public CgcnnHyperparameters withElementAffine(boolean on) {
        return new CgcnnHyperparameters(atomFeatures, convLayers, hiddenWidth, hiddenLayers, activation, on, bondValenceChannels, stateBins, layerNorm, crystalContext);
    }

    /** The same shape with K bond-valence channels (0 = none). */
    public CgcnnHyperparameters withBondValence(int k) {
        return new CgcnnHyperparameters(atomFeatures, convLayers, hiddenWidth, hiddenLayers, activation, elementAffine, k, stateBins, layerNorm, crystalContext);
    }

    /** The same shape with an S-bin state head (0 = a plain output). */
    public CgcnnHyperparameters withStateBins(int s) {
        return new CgcnnHyperparameters(atomFeatures, convLayers, hiddenWidth, hiddenLayers, activation, elementAffine, bondValenceChannels, s, layerNorm, crystalContext);
    }

    /** The same shape with LayerNorm (true) or BatchNorm (false) in the convolutions. */
    public CgcnnHyperparameters withLayerNorm(boolean on) {
        return new CgcnnHyperparameters(atomFeatures, convLayers, hiddenWidth, hiddenLayers, activation, elementAffine, bondValenceChannels, stateBins, on, crystalContext);
    }

    /** The same shape with (true) or without the crystal context before the head. */
    public CgcnnHyperparameters withCrystalContext(boolean on) {
        return new CgcnnHyperparameters(atomFeatures, convLayers, hiddenWidth, hiddenLayers, activation, elementAffine, bondValenceChannels, stateBins, layerNorm, on);
    }

    /** The width of the head's input: F, or 2F with the crystal context. */
    public int headInput() {
        return crystalContext ? 2 * atomFeatures : atomFeatures;
    }

    /** The outputs of the last linear layer for P properties: P, or 2 S P with a state head (S logits, then S offsets, per property). */
    public int outputUnits(int properties) {
        return stateBins == 0 ? properties : 2 * stateBins * properties;
    }

    /** Xie &amp; Grossman's code defaults: F 64, 3 convolutions, H 128, 1 hidden layer. */
    public static CgcnnHyperparameters reference() {
        return new CgcnnHyperparameters(64, 3, 128, 1);
    }
}
