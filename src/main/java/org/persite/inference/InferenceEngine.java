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

    /** Whether the model also gives a per-site domain-of-applicability score (one more column per atom). */
    default boolean hasDomainScore() {
        return false;
    }

    /** Whether the model also gives each site a lower and an upper bound (2P more columns per atom). */
    default boolean hasInterval() {
        return false;
    }

    /** How {@link #run} lays out its columns per atom. */
    default SiteOutputs.Layout layout() {
        return new SiteOutputs.Layout(properties(), hasUncertainty(), hasDomainScore(), hasInterval());
    }

    /** Columns per atom in {@link #run}'s output: P, plus P with uncertainty, plus 2P with an interval, plus 1 with a domain score. */
    default int outputsPerSite() {
        return layout().width();
    }

    /**
     * The outputs for a batch, row-major by atom, as {@link #layout()} says: each atom's P values, then (with
     * {@link #hasUncertainty()}) its P standard deviations, then (with {@link #hasInterval()}) its P lower and P upper
     * bounds, then (with {@link #hasDomainScore()}) its domain score.
     * A model with a conserved-sum property takes each structure's total from the batch.
     */
    float[] run(PaddedBatch batch) throws InferenceException;

    /**
     * Runs a batch and returns each kind of output in its own array (values [Npad, P], σ [Npad, P], domain [Npad]).
     * The default splits {@link #run}'s rows; an engine that reads its outputs apart overrides it.
     */
    default BatchOutputs runOutputs(PaddedBatch batch) throws InferenceException {
        return BatchOutputs.fromRows(layout(), run(batch));
    }

    @Override
    void close();
}
