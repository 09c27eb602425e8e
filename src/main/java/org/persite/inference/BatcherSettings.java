package org.persite.inference;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The batcher's knobs, from {@code persite.inference} (see reference.conf).
 *
 * @param buckets padded batch sizes in atoms
 * @param maxBatchAtoms a batch is flushed as soon as this many atoms wait
 * @param maxQueueDelay or as soon as the oldest waiting graph has waited this long
 * @param maxQueueAtoms the queue's bound; past it, requests are rejected with OVERLOADED at once
 * @param maxConcurrentBatches batches computing at the same time (the config's 0 means one per core)
 * @param dispatcher the config path of the dispatcher that runs ONNX Runtime ("" = Pekko's blocking-I/O dispatcher)
 * @param flushWhenIdle start a batch at once, whatever its size, when no batch is computing: a lone request
 *     at low load does not wait max-queue-delay for company that is not coming
 */
public record BatcherSettings(Buckets buckets, int maxBatchAtoms, Duration maxQueueDelay, long maxQueueAtoms,
        int maxConcurrentBatches, String dispatcher, boolean flushWhenIdle) {

    /** Settings that always wait for a full batch or max-queue-delay. */
    public BatcherSettings(Buckets buckets, int maxBatchAtoms, Duration maxQueueDelay, long maxQueueAtoms, int maxConcurrentBatches,
            String dispatcher) {
        this(buckets, maxBatchAtoms, maxQueueDelay, maxQueueAtoms, maxConcurrentBatches, dispatcher, false);
    }

    public BatcherSettings {
        if (maxBatchAtoms < 1 || maxBatchAtoms > buckets.largest()) {
            throw new IllegalArgumentException("max-batch-atoms must be in 1.." + buckets.largest() + " (the largest bucket), got " + maxBatchAtoms);
        }
        if (maxQueueAtoms < maxBatchAtoms) {
            throw new IllegalArgumentException("max-queue-atoms must be at least max-batch-atoms");
        }
        if (maxConcurrentBatches < 1) {
            throw new IllegalArgumentException("max-concurrent-batches must be >= 1");
        }
        if (maxQueueDelay.isNegative()) {
            throw new IllegalArgumentException("max-queue-delay must be >= 0");
        }
    }

    /** The config path of the dispatcher that runs ONNX Runtime (defined in reference.conf). */
    public static final String DISPATCHER = "persite.inference.dispatcher";

    /** From the {@code persite.inference} config section; the engine runs on {@link #DISPATCHER}. */
    public static BatcherSettings fromConfig(Config c) {
        return new BatcherSettings(new Buckets(c.getIntList("buckets")), c.getInt("max-batch-atoms"), c.getDuration("max-queue-delay"),
                c.getLong("max-queue-atoms"), c.getInt("max-concurrent-batches") == 0 ? Runtime.getRuntime().availableProcessors()
                        : c.getInt("max-concurrent-batches"), DISPATCHER, c.getBoolean("flush-when-idle"));
    }
}
