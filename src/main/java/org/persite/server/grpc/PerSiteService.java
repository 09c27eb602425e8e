package org.persite.server.grpc;

import org.persite.server.ModelRegistry;
import org.persite.server.PredictionPipeline;
import org.persite.server.ScaleOut;
import org.persite.server.ServedModel;
import org.persite.server.ServerMetrics;
import org.persite.server.ServerSettings;
import io.grpc.Status;
import io.grpc.Status.Code;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.NotUsed;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.javadsl.Source;
import org.persite.api.v1.FeaturizerInfo;
import org.persite.api.v1.GetModelRequest;
import org.persite.api.v1.Hyperparameters;
import org.persite.api.v1.ListModelsRequest;
import org.persite.api.v1.ListModelsResponse;
import org.persite.api.v1.ModelInfo;
import org.persite.api.v1.PerSitePowerApi;
import org.persite.api.v1.PredictRequest;
import org.persite.api.v1.PredictResponse;
import org.persite.api.v1.PropertyInfo;
import org.persite.api.v1.ResponseOrder;
import org.persite.graph.FeaturizerSettings;
import org.persite.model.CgcnnHyperparameters;
import org.persite.model.ModelSpec;
import org.persite.model.PropertySpec;

/**
 * The gRPC service {@code persite.v1.PerSite}: a thin adapter from calls to the {@link PredictionPipeline}.
 * It enforces the call-level limits (unary calls in flight, open streams, each stream's window), reads the
 * call's deadline, and counts every answer by status code.
 */
public final class PerSiteService implements PerSitePowerApi {
    private final PredictionPipeline pipeline;
    private final ModelRegistry registry;
    private final ServerMetrics metrics;
    private final ServerSettings settings;
    private final java.util.concurrent.Executor blocking;
    private final AtomicInteger unaryInFlight = new AtomicInteger();
    private final AtomicInteger openStreams = new AtomicInteger();
    private final ScaleOut.StreamWork streamWork;
    private final ScaleOut.Node node;

    /** @param blocking where descriptions that list the models directory run (never a request thread) */
    public PerSiteService(PredictionPipeline pipeline, ModelRegistry registry, ServerMetrics metrics, ServerSettings settings,
            java.util.concurrent.Executor blocking) {
        this(pipeline, registry, metrics, settings, blocking, null);
    }

    /** @param node this node of a cluster (where a stream's requests are worked on, what the nodes hold); null: a single server */
    public PerSiteService(PredictionPipeline pipeline, ModelRegistry registry, ServerMetrics metrics, ServerSettings settings,
            java.util.concurrent.Executor blocking, ScaleOut.Node node) {
        this.node = node;
        this.streamWork = node == null ? null : node.streams();
        this.blocking = blocking;
        this.pipeline = pipeline;
        this.registry = registry;
        this.metrics = metrics;
        this.settings = settings;
    }

    /**
     * Unary prediction. The call fails with the request's status when none of its structures was predicted
     * (so standard gRPC retry and error handling apply); when some were, it succeeds and each structure
     * carries its own status.
     */
    @Override
    public CompletionStage<PredictResponse> predict(PredictRequest in, Metadata metadata) {
        if (unaryInFlight.incrementAndGet() > settings.maxInFlightUnary()) {
            unaryInFlight.decrementAndGet();
            count("Predict", Code.RESOURCE_EXHAUSTED);
            return CompletableFuture.failedFuture(new GrpcServiceException(Status.RESOURCE_EXHAUSTED.withDescription(
                    "the server is working on " + settings.maxInFlightUnary() + " Predict calls (persite.server.max-in-flight-unary); retry later")));
        }
        metrics.inFlight(1);
        Instant deadline = Deadlines.of(metadata);
        return pipeline.predict(in, deadline, () -> false).thenCompose(resp -> {
            unaryInFlight.decrementAndGet();
            metrics.inFlight(-1);
            Code code = Code.values()[resp.getStatus().getCode()];
            count("Predict", code, resp.getModel());
            boolean anyPredicted = resp.getStructuresList().stream().anyMatch(s -> s.getStatus().getCode() == 0);
            if (code != Code.OK && !anyPredicted) {
                return CompletableFuture.failedFuture(new GrpcServiceException(Status.fromCode(code).withDescription(resp.getStatus().getMessage())));
            }
            return CompletableFuture.completedFuture(resp);
        });
    }

    /**
     * Streaming prediction: one response per request, each with its own status. At most
     * {@code max-in-flight-per-stream} requests are worked on at once; the stream is read no faster.
     */
    @Override
    public Source<PredictResponse, NotUsed> predictStream(Source<PredictRequest, NotUsed> in, Metadata metadata) {
        Instant deadline = Deadlines.of(metadata);
        // counted from the moment the response stream runs until it ends, whatever ends it: a call torn down before
        // its stream ever ran holds no slot
        return Source.lazySource(() -> {
            if (openStreams.incrementAndGet() > settings.maxConcurrentStreams()) {
                openStreams.decrementAndGet();
                count("PredictStream", Code.RESOURCE_EXHAUSTED);
                return Source.<PredictResponse>failed(new GrpcServiceException(Status.RESOURCE_EXHAUSTED.withDescription(
                        settings.maxConcurrentStreams() + " PredictStream calls are open (persite.server.max-concurrent-streams); retry later")));
            }
            metrics.activeStreams(1);
            return idleLimited(stream(in, deadline)).watchTermination((notUsed, done) -> {
                done.whenComplete((d, e) -> {
                    openStreams.decrementAndGet();
                    metrics.activeStreams(-1);
                });
                return notUsed;
            });
        }).mapMaterializedValue(m -> NotUsed.getInstance());
    }

    /**
     * Ends a stream through which no response has passed for persite.server.stream-idle-timeout: a client that sends
     * nothing, or never reads (so HTTP/2 flow control stops the responses), gets DEADLINE_EXCEEDED and frees its slot.
     */
    private Source<PredictResponse, NotUsed> idleLimited(Source<PredictResponse, NotUsed> responses) {
        java.time.Duration idle = settings.streamIdleTimeout();
        if (idle.isZero()) {
            return responses;
        }
        return responses.idleTimeout(idle).mapError(new org.apache.pekko.japi.pf.PFBuilder<Throwable, Throwable>()
                .match(java.util.concurrent.TimeoutException.class, e -> {
                    count("PredictStream", Code.DEADLINE_EXCEEDED);
                    return new GrpcServiceException(Status.DEADLINE_EXCEEDED.withDescription("no response passed through this stream for " + idle
                            + " (persite.server.stream-idle-timeout): the stream was ended"));
                }).build());
    }

    /** One stream's responses: a window of requests in the pipeline at a time, in input or completion order. */
    private Source<PredictResponse, NotUsed> stream(Source<PredictRequest, NotUsed> in, Instant deadline) {
        AtomicBoolean cancelled = new AtomicBoolean();
        int window = settings.maxInFlightPerStream();
        Function<PredictRequest, CompletionStage<PredictResponse>> step = r -> {
            metrics.inFlight(1);
            return pipeline.predict(r, deadline, cancelled::get, PredictionPipeline.WhenFull.WAIT).thenApply(resp -> {
                metrics.inFlight(-1);
                count("PredictStream", Code.values()[resp.getStatus().getCode()], resp.getModel());
                return resp;
            });
        };
        return in.prefixAndTail(1).flatMapConcat(headAndTail -> {
            List<PredictRequest> head = headAndTail.first();
            if (head.isEmpty()) {
                return Source.<PredictResponse>empty();
            }
            Source<PredictRequest, NotUsed> all = Source.from(head).concat(headAndTail.second());
            if (streamWork != null) { // a cluster front: the work goes to the cluster's workers, a job of requests at a time
                boolean completion = head.get(0).getOrder() == ResponseOrder.COMPLETION_ORDER;
                return streamWork.stream(all, completion, deadline).map(resp -> {
                    count("PredictStream", Code.values()[resp.getStatus().getCode()], resp.getModel());
                    return resp;
                });
            }
            return head.get(0).getOrder() == ResponseOrder.COMPLETION_ORDER ? all.mapAsyncUnordered(window, step) : all.mapAsync(window, step);
        }).watchTermination((notUsed, done) -> {
            // ended, failed or cancelled by the client: whatever of it is still queued is dropped, not computed
            done.whenComplete((d, e) -> cancelled.set(true));
            return notUsed;
        });
    }

    @Override
    public CompletionStage<ListModelsResponse> listModels(ListModelsRequest in, Metadata metadata) {
        // each description lists the model's version folders on disk: off the request thread
        CompletionStage<List<org.persite.api.v1.NodeModels>> nodes = node == null ? CompletableFuture.completedFuture(List.of()) : node.describeNodes();
        return CompletableFuture.supplyAsync(() -> {
            ListModelsResponse.Builder b = ListModelsResponse.newBuilder();
            for (ServedModel m : registry.all()) {
                b.addModels(info(m));
            }
            return b;
        }, blocking).thenCombine(nodes, (b, n) -> {
            count("ListModels", Code.OK);
            return b.addAllNodes(n).build();
        });
    }

    @Override
    public CompletionStage<ModelInfo> getModel(GetModelRequest in, Metadata metadata) {
        return CompletableFuture.supplyAsync(() -> in, blocking).thenCompose(this::describe); // lists version folders on disk: off the request thread
    }

    private CompletionStage<ModelInfo> describe(GetModelRequest in) {
        try {
            ServedModel m = registry.describe(in.getName());
            if (in.getVersion() != 0 && in.getVersion() != m.version()) {
                throw new ModelRegistry.UnknownModelException("model " + m.name() + " version " + in.getVersion() + " is not served; the server serves version "
                        + m.version());
            }
            ModelInfo info = info(m);
            count("GetModel", Code.OK);
            return CompletableFuture.completedFuture(info);
        } catch (ModelRegistry.UnknownModelException e) {
            count("GetModel", Code.NOT_FOUND);
            return CompletableFuture.failedFuture(new GrpcServiceException(Status.NOT_FOUND.withDescription(e.getMessage())));
        }
    }

    ModelInfo info(ServedModel m) {
        ModelSpec spec = m.model().spec();
        FeaturizerSettings f = spec.featurizer();
        CgcnnHyperparameters h = spec.hyperparameters();
        ModelInfo.Builder b = ModelInfo.newBuilder().setName(m.name()).setVersion(m.version()).addAllAvailableVersions(registry.versions(m.name()))
                .setIsDefault(m.name().equals(registry.defaultName())).setSha256(m.model().sha256())
                .setFeaturizer(FeaturizerInfo.newBuilder().setCutoff(f.cutoff()).setMaxNeighbors(f.maxNeighbors()).setGaussianDmin(f.gaussianDmin())
                        .setGaussianStep(f.gaussianStep()).setGaussianVar(f.gaussianVar()).setElementTable(f.elementTableId()))
                .setHyperparameters(Hyperparameters.newBuilder().setAtomFeatures(h.atomFeatures()).setConvLayers(h.convLayers())
                        .setHiddenFeatures(h.hiddenWidth()).setHiddenLayers(h.hiddenLayers()))
                .putAllMetrics(spec.metrics()).putAllProvenance(spec.provenance());
        for (PropertySpec p : spec.properties()) {
            b.addProperties(PropertyInfo.newBuilder().setName(p.name()).setUnit(p.unit()).setMean(p.mean()).setStd(p.std())
                    .setConstraint(p.constraint().cardName()));
        }
        b.setGate(m.gateReport());
        if (spec.trust().domain() != null) {
            b.setDomainThreshold(spec.trust().domain().threshold());
        }
        return b.build();
    }

    private void count(String rpc, Code code) {
        metrics.answered(rpc, code.name(), "");
    }

    private void count(String rpc, Code code, String model) {
        metrics.answered(rpc, code.name(), model);
    }
}
