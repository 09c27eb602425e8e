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

    /** The outputs [Npad·P] (row-major atom, property) for a batch. */
    float[] run(PaddedBatch batch) throws InferenceException;

    @Override
    void close();
}
