package org.persite.inference;

/**
 * The one rule that fills a batch, used by the server's queue, the in-process predictor and the engine's own
 * {@code predictAll}: structures join in order while the batch stays within {@code max-batch-atoms} real atoms; the
 * first always joins, so a structure larger than the limit runs alone at its own size.
 */
public final class BatchFill {
    private BatchFill() {
    }

    /** Whether a structure of {@code next} atoms joins a batch that holds {@code count} structures of {@code atoms} atoms in all. */
    public static boolean joins(int count, int atoms, int next, int maxBatchAtoms) {
        return count == 0 || atoms + next <= maxBatchAtoms;
    }

    /** Whether a batch of {@code atoms} atoms takes no more. */
    public static boolean full(int atoms, int maxBatchAtoms) {
        return atoms >= maxBatchAtoms;
    }
}
