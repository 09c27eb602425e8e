package org.persite.inference;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.persite.graph.CrystalGraph;

/**
 * Collects crystal graphs and runs them through an {@link InferenceEngine} in padded batches.
 *
 * <p>A batch is flushed when {@code max-batch-atoms} atoms wait, or when the oldest waiting graph has
 * waited {@code max-queue-delay}, or (with {@code flush-when-idle}) at once when no batch is computing: at low
 * load a request runs alone without waiting, and under load the queue fills while the engine is busy. The queue is bounded in atoms: past {@code max-queue-atoms} a request is
 * answered {@link Rejected} with {@link Reason#OVERLOADED} at once. A graph whose deadline has passed is
 * dropped before it is computed, and so is one whose caller has cancelled. The engine runs on its own dispatcher, never on the actor's.
 */
public final class Batcher extends AbstractBehavior<Batcher.Command> {

    /** The batcher's protocol. */
    public sealed interface Command permits Predict, Stop, BatchDone, FlushDue {
    }

    /**
     * Stop: sent when the model version is retired and no request holds it any more, so nothing is queued
     * or computing. Anything that still arrives is answered MODEL_ERROR rather than left waiting.
     */
    public enum Stop implements Command {
        INSTANCE
    }

    /**
     * Predict one structure's sites.
     *
     * @param id the caller's id, echoed in the reply
     * @param graph its crystal graph, built with the model's featurizer settings
     * @param deadline when the answer stops being useful; {@link Instant#MAX} for none
     * @param cancelled true once the caller has gone (a cancelled stream): the graph is dropped, not computed
     * @param total the structure's conserved total (its charge, e) for a model with a conserved-sum property; else unused
     */
    public record Predict(String id, CrystalGraph graph, Instant deadline, BooleanSupplier cancelled, double total, ActorRef<Reply> replyTo)
            implements Command {

        /** A request that is never cancelled, total 0. */
        public Predict(String id, CrystalGraph graph, Instant deadline, ActorRef<Reply> replyTo) {
            this(id, graph, deadline, () -> false, 0, replyTo);
        }
    }

    /**
     * What the batcher reports as it works (for metrics). Called on the batcher's thread: implementations
     * must be fast and thread-safe.
     */
    public interface Listener {
        /** A batch finished: its structures, real and padded atoms, and compute time. */
        default void batchDone(int structures, int realAtoms, int paddedAtoms, long computeNanos) {
        }

        /** A batch (packing and the engine call) took this much of its thread's CPU time. */
        default void batchCpu(long cpuNanos) {
        }

        /** The queue now holds this many atoms. */
        default void queueDepth(long atoms) {
        }

        /** A structure was not computed. */
        default void rejected(Reason reason) {
        }

        Listener NONE = new Listener() {
        };
    }

    /** Replies to {@link Predict}. */
    public sealed interface Reply permits Predicted, Rejected {
        String id();
    }

    /**
     * The predictions of one structure.
     *
     * @param values [sites · properties], row-major (site, property)
     * @param uncertainty [sites · properties], the per-site standard deviations (an ensemble's spread, or a single model's σ
     *     from its validation errors); null when the model has none
     * @param domain [sites], each site's domain-of-applicability score; null when the model has none
     * @param interval [sites · 2 · properties], each site's lower then upper bounds; null when the model has no interval
     * @param queueNanos time from arrival to the start of its batch
     * @param computeNanos time its batch took in the engine
     * @param batchAtoms real atoms in its batch
     * @param paddedAtoms padded atoms in its batch
     */
    public record Predicted(String id, int sites, int properties, float[] values, float[] uncertainty, float[] domain, float[] interval, String modelName,
            int modelVersion, long queueNanos, long computeNanos, int batchAtoms, int paddedAtoms) implements Reply {
    }

    /** Why a structure was not computed. */
    public enum Reason {
        /** The queue is full; try again later. */
        OVERLOADED,
        /** Its deadline passed before its batch started. */
        DEADLINE_EXCEEDED,
        /** The graph does not fit the model (for example another M). */
        INVALID_GRAPH,
        /** The engine failed on its batch. */
        MODEL_ERROR,
        /** The caller went away (its stream was cancelled) before its batch started. */
        CANCELLED
    }

    /** A structure that was not computed, and why. */
    public record Rejected(String id, Reason reason, String message) implements Reply {
    }

    private record BatchDone(List<BatchQueue.Entry<Predict>> entries, PaddedBatch batch, BatchOutputs out, Throwable error,
            long startNanos, long computeNanos, long cpuNanos) implements Command {
    }

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    private enum FlushDue implements Command {
        INSTANCE
    }

    private final InferenceEngine engine;
    private final BatcherSettings settings;
    private final Executor inferenceExecutor;
    private final TimerScheduler<Command> timers;
    private final BatchQueue<Predict> queue;
    private final long maxDelayNanos;
    private final Listener listener;
    private int inFlight;

    public static Behavior<Command> create(InferenceEngine engine, BatcherSettings settings) {
        return create(engine, settings, Listener.NONE);
    }

    public static Behavior<Command> create(InferenceEngine engine, BatcherSettings settings, Listener listener) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new Batcher(ctx, timers, engine, settings, listener)));
    }

    private Batcher(ActorContext<Command> ctx, TimerScheduler<Command> timers, InferenceEngine engine, BatcherSettings settings,
            Listener listener) {
        super(ctx);
        this.engine = engine;
        this.listener = listener;
        this.settings = settings;
        this.timers = timers;
        this.queue = new BatchQueue<>(settings.maxQueueAtoms());
        this.maxDelayNanos = settings.maxQueueDelay().toNanos();
        this.inferenceExecutor = settings.dispatcher().isEmpty()
                ? ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking())
                : ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(settings.dispatcher()));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Predict.class, this::onPredict)
                .onMessage(BatchDone.class, this::onBatchDone)
                .onMessageEquals(FlushDue.INSTANCE, this::onFlushDue)
                .onMessageEquals(Stop.INSTANCE, this::onStop)
                .build();
    }

    private Behavior<Command> onStop() {
        for (BatchQueue.Entry<Predict> e : queue.removeIf(p -> true)) {
            reject(e.item(), Reason.MODEL_ERROR, "model " + engine.modelName() + " v" + engine.modelVersion() + " was unloaded");
        }
        return Behaviors.stopped();
    }

    private Behavior<Command> onPredict(Predict p) {
        int n = p.graph().numSites();
        if (p.graph().maxNeighbors() != engine.maxNeighbors()) {
            reject(p, Reason.INVALID_GRAPH, "graph has M = " + p.graph().maxNeighbors()
                    + " neighbour slots, model " + engine.modelName() + " needs " + engine.maxNeighbors());
            return this;
        }
        if (n > settings.maxQueueAtoms()) {
            reject(p, Reason.INVALID_GRAPH, n + " atoms exceed the whole queue (persite.inference.max-queue-atoms = "
                    + settings.maxQueueAtoms() + ")");
            return this;
        }
        boolean wasEmpty = queue.isEmpty();
        if (!queue.offer(p, n, System.nanoTime())) {
            reject(p, Reason.OVERLOADED, "the inference queue is full (" + queue.queuedAtoms()
                    + " atoms waiting, persite.inference.max-queue-atoms = " + settings.maxQueueAtoms() + ")");
            return this;
        }
        if (wasEmpty) {
            timers.startSingleTimer(FlushDue.INSTANCE, FlushDue.INSTANCE, settings.maxQueueDelay());
        }
        flushWhileDue();
        listener.queueDepth(queue.queuedAtoms());
        return this;
    }

    private void reject(Predict p, Reason reason, String message) {
        listener.rejected(reason);
        p.replyTo().tell(new Rejected(p.id(), reason, message));
    }

    private Behavior<Command> onFlushDue() {
        flushWhileDue();
        return this;
    }

    /** Starts batches while the engine has room and a flush condition holds. */
    private void flushWhileDue() {
        while (inFlight < settings.maxConcurrentBatches() && !queue.isEmpty()) {
            long now = System.nanoTime();
            dropExpired();
            if (queue.isEmpty()) {
                break;
            }
            boolean full = queue.queuedAtoms() >= settings.maxBatchAtoms();
            boolean waitedEnough = now - queue.oldestEnqueuedNanos() >= maxDelayNanos;
            boolean idle = settings.flushWhenIdle() && inFlight == 0;
            if (!full && !waitedEnough && !idle) {
                break;
            }
            dispatch(queue.takeBatch(settings.maxBatchAtoms()));
        }
        if (!queue.isEmpty() && inFlight < settings.maxConcurrentBatches()) {
            // waiting for more atoms or for the delay: wake up when the oldest has waited max-queue-delay
            long waited = System.nanoTime() - queue.oldestEnqueuedNanos();
            timers.startSingleTimer(FlushDue.INSTANCE, FlushDue.INSTANCE, Duration.ofNanos(Math.max(0, maxDelayNanos - waited)));
        } else {
            // empty, or every engine slot busy: the next BatchDone flushes, so no timer may spin meanwhile
            timers.cancel(FlushDue.INSTANCE);
        }
    }

    private void dropExpired() {
        Instant now = Instant.now();
        for (BatchQueue.Entry<Predict> e : queue.removeIf(p -> now.isAfter(p.deadline()) || p.cancelled().getAsBoolean())) {
            if (e.item().cancelled().getAsBoolean()) {
                reject(e.item(), Reason.CANCELLED, "the call was cancelled");
            } else {
                reject(e.item(), Reason.DEADLINE_EXCEEDED, "the deadline passed after "
                        + Duration.ofNanos(System.nanoTime() - e.enqueuedNanos()).toMillis() + " ms in the queue");
            }
        }
    }

    private void dispatch(List<BatchQueue.Entry<Predict>> entries) {
        inFlight++;
        long start = System.nanoTime();
        List<CrystalGraph> graphs = new ArrayList<>(entries.size());
        double[] totals = new double[entries.size()];
        for (BatchQueue.Entry<Predict> e : entries) {
            totals[graphs.size()] = e.item().total();
            graphs.add(e.item().graph());
        }
        CompletableFuture<BatchDone> done = CompletableFuture.supplyAsync(() -> {
            PaddedBatch batch = null;
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            try {
                batch = PaddedBatch.pack(graphs, totals, settings.buckets());          // [Npad, M] inputs
                long t0 = System.nanoTime();
                BatchOutputs out = engine.runOutputs(batch);                             // [Npad, P] values, σ; [Npad] domain
                return new BatchDone(entries, batch, out, null, start, System.nanoTime() - t0, THREADS.getCurrentThreadCpuTime() - cpu0);
            } catch (InferenceException | RuntimeException e) {
                return new BatchDone(entries, batch, null, e, start, 0, THREADS.getCurrentThreadCpuTime() - cpu0);
            }
        }, inferenceExecutor);
        getContext().pipeToSelf(done, (result, failure) -> result != null ? result
                : new BatchDone(entries, null, null, failure, start, 0, 0));
    }

    private Behavior<Command> onBatchDone(BatchDone d) {
        inFlight--;
        listener.batchCpu(d.cpuNanos());
        if (d.error() == null) {
            listener.batchDone(d.entries().size(), d.batch().realAtoms(), d.batch().paddedAtoms(), d.computeNanos());
        }
        for (int k = 0; k < d.entries().size(); k++) {
            Predict p = d.entries().get(k).item();
            if (d.error() != null) {
                reject(p, Reason.MODEL_ERROR, String.valueOf(d.error().getMessage()));
                continue;
            }
            int pcount = engine.properties();
            SiteOutputs o = d.out().of(d.batch(), k);                                                       // [sites, P] values, σ; [sites] domain
            p.replyTo().tell(new Predicted(p.id(), p.graph().numSites(), pcount, o.values(), o.std(), o.domain(), o.interval(), engine.modelName(),
                    engine.modelVersion(), d.startNanos() - d.entries().get(k).enqueuedNanos(), d.computeNanos(), d.batch().realAtoms(),
                    d.batch().paddedAtoms()));
        }
        flushWhileDue();
        listener.queueDepth(queue.queuedAtoms());
        return this;
    }
}
