package org.persite.server;

import io.grpc.Status.Code;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.persite.api.v1.ExplicitStructure;
import org.persite.api.v1.PredictRequest;
import org.persite.api.v1.PredictResponse;
import org.persite.api.v1.SitePrediction;
import org.persite.api.v1.StructureResult;
import org.persite.api.v1.StructureText;
import org.persite.api.v1.Timings;
import org.persite.inference.Batcher;
import org.persite.model.PropertySpec;
import org.persite.structure.Format;
import org.persite.structure.ParseResult;
import org.persite.structure.Structure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One request's way through the server, flowing forward: one step on the parse dispatcher reads the request's
 * structures and builds their graphs ({@link RequestPreparer}), then each graph goes to the model's batcher, whose
 * answer completes the response. It always completes with a {@link PredictResponse}: every problem (a bad
 * structure, an unknown model, overload, a deadline) becomes a status in the response, never an exception, so one
 * item can never end a stream. The callers bound how many requests are in here at once (the unary limit and each
 * stream's window), and so how many steps wait for the dispatcher.
 */
public final class PredictionPipeline {
    private static final Logger LOG = LoggerFactory.getLogger(PredictionPipeline.class);
    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    private final RequestPreparer preparer;
    private final java.util.concurrent.Executor prepareExecutor;
    private final ModelRegistry registry;
    private final ServerMetrics metrics;
    private final Duration stepTimeout;
    private final long maxMessageBytes;
    private final Scheduler scheduler;
    private final long minElementSites;
    private final String servedBy;

    /**
     * @param prepareExecutor where reading and graph building run (persite.server.parse-dispatcher), never the default dispatcher
     * @param stepTimeout the safety net for the batcher's answer when a request has no deadline
     * @param minElementSites an element with fewer training sites makes a structure out of domain (persite.domain.min-element-sites)
     */
    public PredictionPipeline(RequestPreparer preparer, java.util.concurrent.Executor prepareExecutor, ModelRegistry registry,
            ServerMetrics metrics, Duration stepTimeout, long maxMessageBytes, Scheduler scheduler, long minElementSites) {
        this(preparer, prepareExecutor, registry, metrics, stepTimeout, maxMessageBytes, scheduler, minElementSites, "");
    }

    /** @param servedBy what every response names in served_by (a cluster node's address; empty for a single server) */
    public PredictionPipeline(RequestPreparer preparer, java.util.concurrent.Executor prepareExecutor, ModelRegistry registry,
            ServerMetrics metrics, Duration stepTimeout, long maxMessageBytes, Scheduler scheduler, long minElementSites, String servedBy) {
        this.servedBy = servedBy;
        this.preparer = preparer;
        this.prepareExecutor = prepareExecutor;
        this.minElementSites = minElementSites;
        this.registry = registry;
        this.metrics = metrics;
        this.stepTimeout = stepTimeout;
        this.maxMessageBytes = maxMessageBytes;
        this.scheduler = scheduler;
    }

    /**
     * Predicts one request.
     *
     * @param callDeadline the call's gRPC deadline ({@link Instant#MAX} for none); the request's timeout_ms
     *     may shorten it
     * @param cancelled true once the caller has gone
     */
    public CompletionStage<PredictResponse> predict(PredictRequest req, Instant callDeadline, BooleanSupplier cancelled) {
        return predict(req, callDeadline, cancelled, WhenFull.REFUSE);
    }

    /**
     * What a request meets when the model's inference queue is full (persite.inference.max-queue-atoms).
     * {@link #REFUSE}: it is answered RESOURCE_EXHAUSTED at once (unary calls: the client retries or backs off).
     * {@link #WAIT}: it waits for room, polling with a backoff of 1 to 20 ms, until its deadline or step-timeout
     * (streams: the stream's window already bounds how many wait, and one item refused mid-stream would be lost
     * to a client that has moved on; a single stream of 5,000-atom structures fills a 64-deep window with 320,000
     * atoms, five times the queue).
     */
    public enum WhenFull {
        REFUSE,
        WAIT
    }

    /** Predicts one request; {@code whenFull} says what it does when the inference queue is full. */
    public CompletionStage<PredictResponse> predict(PredictRequest req, Instant callDeadline, BooleanSupplier cancelled, WhenFull whenFull) {
        long t0 = System.nanoTime();
        if (req.getOversizedMessageBytes() > 0) { // put in place of a message that was too large (GrpcMessageLimit)
            return done(failure(req, Code.RESOURCE_EXHAUSTED, tooLarge(req.getOversizedMessageBytes(), maxMessageBytes),
                    "TOO_LARGE"));
        }
        Instant deadline = req.getTimeoutMs() > 0 ? min(callDeadline, Instant.now().plusMillis(req.getTimeoutMs())) : callDeadline;
        BooleanSupplier gone = () -> cancelled.getAsBoolean() || Instant.now().isAfter(deadline);
        StructureInput input = input(req);
        if (input == null) {
            return done(failure(req, Code.INVALID_ARGUMENT, "the request holds no structure: set 'text' or 'explicit'", "MISSING"));
        }
        if (gone.getAsBoolean()) {
            return done(goneResponse(req, cancelled));
        }
        ServedModel model;
        try {
            model = registry.acquire(req.getModel(), req.getModelVersion()); // held to the end: a hot swap cannot close it meanwhile
        } catch (ModelRegistry.UnknownModelException e) {
            return done(failure(req, Code.NOT_FOUND, e.getMessage(), ""));
        }
        try {
            return run(req, model, input, deadline, cancelled, gone, t0, whenFull).whenComplete((r, e) -> registry.release(model));
        } catch (RuntimeException e) { // e.g. the actor system is shutting down: never keep a hold on the version
            registry.release(model);
            throw e;
        }
    }

    private CompletionStage<PredictResponse> run(PredictRequest req, ServedModel model, StructureInput input, Instant deadline,
            BooleanSupplier cancelled, BooleanSupplier gone, long t0, WhenFull whenFull) {
        return CompletableFuture.supplyAsync(() -> preparer.prepare(input, model.graphBuilder(), gone), prepareExecutor).thenCompose(p -> {
            if (p.skipped()) {
                return done(goneResponse(req, cancelled));
            }
            metrics.stageSeconds.labelValues("parse", model.name()).observe(p.parseNanos() / 1e9);
            metrics.stageCpu.labelValues("parse").inc(p.parseCpuNanos() / 1e9);
            metrics.stageCpu.labelValues("graph").inc(p.graphCpuNanos() / 1e9);
            if (!p.structures().isEmpty()) {
                metrics.stageSeconds.labelValues("graph", model.name()).observe(p.graphNanos() / 1e9);
            }
            List<CompletableFuture<Batcher.Reply>> predictions = new ArrayList<>(p.structures().size());
            for (int k = 0; k < p.structures().size(); k++) {
                RequestPreparer.Outcome o = p.outcomes().get(k);
                if (o.graph() == null) {
                    predictions.add(CompletableFuture.completedFuture(new Batcher.Rejected("", Batcher.Reason.INVALID_GRAPH, o.error())));
                    continue;
                }
                String itemId = req.getRequestId() + "#" + k;
                java.util.function.Function<org.apache.pekko.actor.typed.ActorRef<Batcher.Reply>, Batcher.Command> ask = replyTo -> new Batcher.Predict(itemId, o.graph(), deadline, cancelled, req.getTotalCharge(), replyTo);
                predictions.add(submit(model, ask, whenFull == WhenFull.WAIT ? System.nanoTime() + stepTimeout.toNanos() : 0, gone, 1));
            }
            return CompletableFuture.allOf(predictions.toArray(CompletableFuture[]::new)).thenApply(v -> assemble(req, model, p, predictions, t0));
        }).exceptionally(e -> failure(req, Code.INTERNAL, "internal error: " + e, "")); // the batcher's answer timed out: the safety net
    }

    /**
     * Asks the model's batcher; with a {@code waitUntil} (System.nanoTime; 0 = refuse at once), an OVERLOADED answer is
     * asked again after {@code backoffMs} (doubling to 20 ms) until the request is gone or that time has passed.
     */
    private CompletableFuture<Batcher.Reply> submit(ServedModel model,
            java.util.function.Function<org.apache.pekko.actor.typed.ActorRef<Batcher.Reply>, Batcher.Command> ask, long waitUntil, BooleanSupplier gone, long backoffMs) {
        return AskPattern.<Batcher.Command, Batcher.Reply>ask(model.batcher(), ask::apply, stepTimeout, scheduler).toCompletableFuture().thenCompose(reply -> {
            if (waitUntil == 0 || !(reply instanceof Batcher.Rejected r) || r.reason() != Batcher.Reason.OVERLOADED || gone.getAsBoolean()
                    || System.nanoTime() + backoffMs * 1_000_000 > waitUntil) {
                return CompletableFuture.completedFuture(reply);
            }
            metrics.queueWaits.inc();
            return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(backoffMs, java.util.concurrent.TimeUnit.MILLISECONDS, prepareExecutor))
                    .thenCompose(x -> submit(model, ask, waitUntil, gone, Math.min(20, backoffMs * 2)));
        });
    }

    private PredictResponse assemble(PredictRequest req, ServedModel model, RequestPreparer.Prepared prepared,
            List<CompletableFuture<Batcher.Reply>> predictions, long t0) {
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        List<Structure> ok = prepared.structures();
        PredictResponse.Builder resp = header(req, model);
        org.persite.api.v1.Status first = null;
        long queueNanos = 0;
        long computeNanos = 0;
        int batchAtoms = 0;
        int k = 0;
        for (ParseResult r : prepared.results()) {
            StructureResult.Builder sr = StructureResult.newBuilder();
            if (r instanceof ParseResult.Failed f) {
                sr.setName(f.error().source()).setStatus(status(Code.INVALID_ARGUMENT, f.error().getMessage(), f.error().kind().name()));
                metrics.refused.labelValues(f.error().kind().name()).inc();
            } else {
                Structure s = ok.get(k);
                Batcher.Reply reply = predictions.get(k).join();
                k++;
                sr.setName(s.source()).setFormula(s.formula());
                java.util.List<String> warnings = ((ParseResult.Parsed) r).warnings();
                sr.addAllWarnings(warnings);
                if (!warnings.isEmpty() && LOG.isDebugEnabled()) {
                    LOG.debug("request {}: {}", req.getRequestId(), String.join("; ", warnings));
                }
                if (reply instanceof Batcher.Predicted p) {
                    sr.setStatus(status(Code.OK, "", ""));
                    int props = p.properties();
                    float[] v = p.values();
                    org.persite.model.Trust trust = model.model().spec().trust();
                    double cap = trust.uncertainty() == null ? Double.POSITIVE_INFINITY : trust.uncertainty().cap();
                    for (int i = 0; i < p.sites(); i++) {
                        SitePrediction.Builder site = SitePrediction.newBuilder().setIndex(i).setElement(s.species(i));
                        for (int q = 0; q < props; q++) {
                            site.addValues(v[i * props + q]);
                        }
                        for (int q = 0; p.uncertainty() != null && q < props; q++) {
                            float sd = p.uncertainty()[i * props + q];
                            site.addUncertainty(sd);
                            if (trust.uncertainty() != null) {
                                site.addUncertaintyCapped(sd >= (float) cap);
                            }
                        }
                        if (p.domain() != null) {
                            site.setDomainScore(p.domain()[i]);
                        }
                        for (int q = 0; p.interval() != null && q < props; q++) {
                            site.addIntervalLow(p.interval()[i * 2 * props + q]);                                      // [sites, 2P]: lower, then upper
                            site.addIntervalHigh(p.interval()[i * 2 * props + props + q]);
                        }
                        sr.addSites(site);
                    }
                    if (p.domain() != null && trust.domain() != null) {
                        org.persite.model.DomainAssessment a = org.persite.model.DomainAssessment.of(trust.domain(), p.domain(), s.speciesSymbols(),
                                minElementSites);
                        sr.setDomainScore((float) a.score()).setOutOfDomain(a.outOfDomain()).setDomainNote(a.reason());
                        if (a.outOfDomain()) {
                            metrics.outOfDomain.labelValues(model.name()).inc();
                        }
                    }
                    queueNanos = Math.max(queueNanos, p.queueNanos());
                    computeNanos = Math.max(computeNanos, p.computeNanos());
                    batchAtoms = Math.max(batchAtoms, p.batchAtoms());
                    metrics.stageSeconds.labelValues("queue", model.name()).observe(p.queueNanos() / 1e9);
                    metrics.stageSeconds.labelValues("inference", model.name()).observe(p.computeNanos() / 1e9);
                    metrics.structures.labelValues(model.name()).inc();
                    metrics.atoms.labelValues(model.name()).inc(p.sites());
                } else {
                    Batcher.Rejected rej = (Batcher.Rejected) reply;
                    sr.setStatus(status(code(rej.reason()), s.source() + ": " + rej.message(), rej.reason().name()));
                    metrics.refused.labelValues(rej.reason().name()).inc();
                }
            }
            if (first == null && sr.getStatus().getCode() != 0) {
                first = sr.getStatus();
            }
            resp.addStructures(sr);
        }
        long total = System.nanoTime() - t0;
        metrics.stageSeconds.labelValues("total", model.name()).observe(total / 1e9);
        resp.setStatus(first != null ? first : status(Code.OK, "", ""));
        resp.setTimings(Timings.newBuilder().setParseUs(prepared.parseNanos() / 1000).setGraphUs(prepared.graphNanos() / 1000).setQueueUs(queueNanos / 1000)
                .setInferenceUs(computeNanos / 1000).setTotalUs(total / 1000).setBatchAtoms(batchAtoms));
        if (first != null) {
            logFailure(req.getRequestId(), first);
        }
        PredictResponse built = resp.build();
        metrics.stageCpu.labelValues("respond").inc((THREADS.getCurrentThreadCpuTime() - cpu0) / 1e9);
        return built;
    }

    private PredictResponse.Builder header(PredictRequest req, ServedModel model) {
        PredictResponse.Builder b = PredictResponse.newBuilder().setRequestId(req.getRequestId()).setServedBy(servedBy).setModel(model.name())
                .setModelVersion(model.version());
        for (PropertySpec p : model.model().spec().properties()) {
            b.addProperties(p.name()).addUnits(p.unit());
        }
        return b;
    }

    private static Code code(Batcher.Reason reason) {
        return switch (reason) {
            case OVERLOADED -> Code.RESOURCE_EXHAUSTED;
            case DEADLINE_EXCEEDED -> Code.DEADLINE_EXCEEDED;
            case INVALID_GRAPH -> Code.INVALID_ARGUMENT;
            case MODEL_ERROR -> Code.INTERNAL;
            case CANCELLED -> Code.CANCELLED;
        };
    }

    private PredictResponse goneResponse(PredictRequest req, BooleanSupplier cancelled) {
        return cancelled.getAsBoolean()
                ? failure(req, Code.CANCELLED, "the call was cancelled before this request was computed", "")
                : failure(req, Code.DEADLINE_EXCEEDED, "the deadline passed before this request was computed", "");
    }

    /** A response for a request that failed as a whole. */
    PredictResponse failure(PredictRequest req, Code code, String message, String kind) {
        metrics.refused.labelValues(kind.isEmpty() ? code.name() : kind).inc();
        org.persite.api.v1.Status st = status(code, message, kind);
        logFailure(req.getRequestId(), st);
        return PredictResponse.newBuilder().setRequestId(req.getRequestId()).setServedBy(servedBy).setStatus(st).build();
    }

    private static void logFailure(String requestId, org.persite.api.v1.Status st) {
        if (LOG.isInfoEnabled()) {
            try (MDC.MDCCloseable ignored = MDC.putCloseable("request_id", requestId)) {
                LOG.info("{}: {}", Code.values()[st.getCode()], st.getMessage());
            }
        }
    }

    /** Why a message over persite.server.max-message-bytes was refused (the transport's limit marks it; the answer is said here). */
    public static String tooLarge(long length, long max) {
        return "a message of " + length + " bytes exceeds the server's limit of " + max + " bytes (persite.server.max-message-bytes)";
    }

    static org.persite.api.v1.Status status(Code code, String message, String kind) {
        return org.persite.api.v1.Status.newBuilder().setCode(code.value()).setMessage(message).setKind(kind).build();
    }

    /** The request's structure as a {@link StructureInput}, or null when it has none. */
    static StructureInput input(PredictRequest req) {
        String fallback = "request " + req.getRequestId();
        switch (req.getStructureCase()) {
            case TEXT: {
                StructureText t = req.getText();
                String name = t.getName().isEmpty() ? fallback : t.getName();
                return new StructureInput.Text(name, format(t.getFormat()), t.getContentBytes().toByteArray());
            }
            case EXPLICIT: {
                ExplicitStructure e = req.getExplicit();
                String name = e.getName().isEmpty() ? fallback : e.getName();
                return new StructureInput.Explicit(name, e.getLatticeList().stream().mapToDouble(Double::doubleValue).toArray(),
                        e.getSpeciesList().toArray(String[]::new), e.getFracCoordsList().stream().mapToDouble(Double::doubleValue).toArray());
            }
            default:
                return null;
        }
    }

    static Format format(org.persite.api.v1.Format f) {
        return switch (f) {
            case CIF -> Format.CIF;
            case POSCAR -> Format.POSCAR;
            case EXTXYZ -> Format.EXTXYZ;
            case JSONL -> Format.JSONL;
            default -> Format.AUTO;
        };
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
