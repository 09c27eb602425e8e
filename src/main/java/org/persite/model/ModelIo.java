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

    /** ONNX IR version written. */
    public static final long IR_VERSION = 8;
    /** ai.onnx operator set written. */
    public static final long OPSET = 17;
    /** Symbolic name of the atom dimension in the ONNX graph. */
    public static final String DIM_ATOMS = "N";
}
