package org.persite.inference;

/**
 * Runs a model on padded batches. Implementations block (native compute), so callers run them on a
 * dedicated dispatcher. Thread-safe.
 */
public interface InferenceEngine extends AutoCloseable {

    /** Model name. */
    String modelName();

    /** Model version. */
    int modelVersion();

    /** P, the properties per site. */
    int properties();

    /** M, the neighbour slots the model's graphs have. */
    int maxNeighbors();

    /**
     * Whether the model also gives a per-site standard deviation (an ensemble). Then {@link #run} returns
     * 2P columns per atom.
     */
    default boolean hasUncertainty() {
        return false;
    }

    /** Columns per atom in {@link #run}'s output: P, or 2P with uncertainty. */
    default int outputsPerSite() {
        return hasUncertainty() ? 2 * properties() : properties();
    }

    /**
     * The outputs for a batch, row-major by atom: [Npad, P] values, or with {@link #hasUncertainty()}
     * [Npad, 2P], each atom's P values followed by its P standard deviations.
     */
    float[] run(PaddedBatch batch) throws InferenceException;

    @Override
    void close();
}
