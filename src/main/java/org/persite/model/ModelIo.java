package org.persite.model;

/**
 * The model's inputs and outputs: names, types and shapes, in one place. N is the number of atoms in a
 * batch (padding included), M the neighbour slots per atom, P the number of per-site properties.
 */
public final class ModelIo {
    private ModelIo() {
    }

    /** int64 [N]: atomic number of each atom; 0 marks a padding atom. */
    public static final String SPECIES = "species";
    /** int64 [N, M]: index (into the batch) of each neighbour slot; a masked slot points at its own atom. */
    public static final String NBR_INDEX = "nbr_index";
    /** float32 [N, M]: neighbour distance in Å (0 for a masked slot). */
    public static final String NBR_DISTANCE = "nbr_distance";
    /** float32 [N, M]: 1 for a real neighbour, 0 for a masked slot. */
    public static final String NBR_MASK = "nbr_mask";
    /** float32 [N, P]: the de-normalised prediction of every property for every atom. */
    public static final String SITE_VALUES = "site_values";
    /**
     * float32 [N, P]: ensembles only, the standard deviation of every property for every atom over the
     * ensemble's members (their mean is {@link #SITE_VALUES}).
     */
    public static final String SITE_STD = "site_std";
    /**
     * float32 [N, 2] (one property): single models whose σ from residuals has a one-sided interval only (see
     * {@link Trust.Interval}): each atom's lower and upper bound, its prediction plus its group's tail quantiles of the
     * validation errors (at least 0 for a non-negative property).
     */
    public static final String SITE_INTERVAL = "site_interval";

    /**
     * int64 [N]: models with a conserved-sum property or a crystal context only: the index, within the batch, of each atom's structure
     * (0 .. S - 1 for real atoms; a padding atom gives its own atom index, which no structure uses).
     */
    public static final String SITE_STRUCTURE = "site_structure";
    /**
     * float32 [N]: models with a conserved-sum property only: the total (for example the cell's charge, in e) that
     * each atom's structure must sum to, repeated on every atom of it (0 for padding atoms).
     */
    public static final String SITE_TOTAL = "site_total";
    /**
     * float32 [N]: models with a domain summary only: each atom's domain-of-applicability score, its latent
     * distance from the training sites of its element in units of their {@code siteQuantile} (see {@link Trust.Domain}).
     */
    public static final String DOMAIN_SCORE = "domain_score";
    /** The initializer the output layer multiplies the last hidden layer h [N, H] by: it names h in the graph. */
    public static final String OUTPUT_WEIGHT = "out_w_denormalised";

    /** ONNX IR version written. */
    public static final long IR_VERSION = 8;
    /** ai.onnx operator set written. */
    public static final long OPSET = 17;
    /** Symbolic name of the atom dimension in the ONNX graph. */
    public static final String DIM_ATOMS = "N";
}
