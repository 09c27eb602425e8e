package org.persite.server.oip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.Status.Code;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.persite.api.v1.PredictRequest;
import org.persite.api.v1.PredictResponse;
import org.persite.model.ModelSpec;
import org.persite.model.PropertySpec;
import org.persite.server.ModelRegistry;
import org.persite.server.PredictionPipeline;
import org.persite.server.ServedModel;
import org.persite.server.ServerMetrics;

/**
 * What the OIP's REST and gRPC halves share: readiness, metadata and infer, in the protocol's JSON form (the gRPC
 * half converts its messages to it and back, so both halves answer the same). Infer calls worked on at once are
 * bounded by {@code maxInFlight} (persite.server.max-in-flight-unary), over both halves together.
 */
public final class OipCore {
    /** An answer: the gRPC code, its HTTP status, and the protocol's JSON body ({@code {"error": ...}} unless OK). */
    public record Answer(Code code, ObjectNode body) {
        public int httpStatus() {
            return switch (code) {
                case OK -> 200;
                case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
                case NOT_FOUND -> 404;
                case RESOURCE_EXHAUSTED -> 429;
                case DEADLINE_EXCEEDED -> 504;
                case UNAVAILABLE -> 503;
                default -> 500;
            };
        }

        static Answer error(Code code, String message) {
            return new Answer(code, InferMapping.JSON.createObjectNode().put("error", message));
        }
    }

    private final PredictionPipeline pipeline;
    private final ModelRegistry registry;
    private final ServerMetrics metrics;
    private final BooleanSupplier serving;
    private final Executor blocking;
    private final int maxInFlight;
    private final String serverVersion;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final byte[] token;

    /**
     * @param serving false from the start of a shutdown (ready turns false)
     * @param blocking where the model folders are listed (metadata)
     * @param maxInFlight infer calls worked on at once; one more is RESOURCE_EXHAUSTED (429)
     * @param inferToken the bearer token infer needs (persite.server.require-token-for-predict); empty: none
     */
    public OipCore(PredictionPipeline pipeline, ModelRegistry registry, ServerMetrics metrics, BooleanSupplier serving, Executor blocking, int maxInFlight,
            String serverVersion, String inferToken) {
        this.token = inferToken.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        this.pipeline = pipeline;
        this.registry = registry;
        this.metrics = metrics;
        this.serving = serving;
        this.blocking = blocking;
        this.maxInFlight = maxInFlight;
        this.serverVersion = serverVersion;
    }

    public boolean ready() {
        return serving.getAsBoolean();
    }

    public ObjectNode serverMetadata() {
        ObjectNode n = InferMapping.JSON.createObjectNode();
        n.put("name", "persite");
        n.put("version", serverVersion);
        n.putArray("extensions");
        return n;
    }

    /** A model's readiness ({@code {"name", "ready"}}) or NOT_FOUND; version 0: the served one. */
    public CompletionStage<Answer> modelReady(String name, int version) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                ServedModel m = served(name, version);
                return new Answer(Code.OK, InferMapping.JSON.createObjectNode().put("name", m.name()).put("ready", ready()));
            } catch (ModelRegistry.UnknownModelException e) {
                return Answer.error(Code.NOT_FOUND, e.getMessage());
            }
        }, blocking);
    }

    /** A model's metadata, or NOT_FOUND. */
    public CompletionStage<Answer> modelMetadata(String name, int version) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new Answer(Code.OK, metadata(served(name, version)));
            } catch (ModelRegistry.UnknownModelException e) {
                return Answer.error(Code.NOT_FOUND, e.getMessage());
            }
        }, blocking);
    }

    /**
     * Whether an infer call may run, given its {@code authorization} header (null when absent): always when no token
     * is required, else only with "Bearer <token>" (compared in constant time).
     */
    public boolean authorized(String authorization) {
        if (token.length == 0) {
            return true;
        }
        String h = authorization == null ? "" : authorization;
        byte[] given = h.startsWith("Bearer ") ? h.substring(7).getBytes(java.nio.charset.StandardCharsets.UTF_8) : new byte[0];
        return java.security.MessageDigest.isEqual(given, token);
    }

    /** The message of a refused token. */
    public static final String UNAUTHENTICATED = "infer needs an 'authorization: Bearer <token>' header (persite.server.require-token-for-predict; "
            + "the token is persite.server.admin-token, PERSITE_ADMIN_TOKEN)";

    /** Counts an infer call in; false (and nothing counted) when {@code maxInFlight} are already in. */
    public boolean admit() {
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            metrics.answered("oip.infer", Code.RESOURCE_EXHAUSTED.name(), "");
            return false;
        }
        return true;
    }

    /** The answer to a call that {@link #admit()} turned away. */
    public Answer refused() {
        return Answer.error(Code.RESOURCE_EXHAUSTED, maxInFlight + " infer calls are in flight (persite.server.max-in-flight-unary): try again later");
    }

    /** Counts out an admitted call that never reached {@link #infer} (its body could not be read). */
    public void release(Code code) {
        inFlight.decrementAndGet();
        metrics.answered("oip.infer", code.name(), "");
    }

    /** Runs an admitted infer call (its JSON form) to its answer, and counts it out. */
    public CompletionStage<Answer> infer(JsonNode json, String name, int version) {
        CompletionStage<Answer> a;
        try {
            a = run(json, name, version);
        } catch (RuntimeException e) {
            a = CompletableFuture.failedFuture(e);
        }
        return a.exceptionally(e -> Answer.error(Code.INTERNAL, "internal error: " + e)).whenComplete((r, e) -> {
            inFlight.decrementAndGet();
            metrics.answered("oip.infer", r == null ? Code.INTERNAL.name() : r.code().name(), r == null ? "" : r.body().path("model_name").asText(""));
        });
    }

    private CompletionStage<Answer> run(JsonNode json, String name, int version) {
        List<PredictRequest> requests;
        try {
            requests = InferMapping.requests(json, name, version);
        } catch (InferMapping.BadInfer e) {
            return CompletableFuture.completedFuture(Answer.error(Code.INVALID_ARGUMENT, e.getMessage()));
        }
        ServedModel served;
        try {
            served = served(name, version);
        } catch (ModelRegistry.UnknownModelException e) {
            return CompletableFuture.completedFuture(Answer.error(Code.NOT_FOUND, e.getMessage()));
        }
        boolean sigma = served.engine().hasUncertainty();
        boolean domain = served.engine().hasDomainScore();
        boolean interval = served.engine().hasInterval();
        List<CompletableFuture<PredictResponse>> answers = new ArrayList<>();
        for (PredictRequest r : requests) {
            answers.add(pipeline.predict(r, Instant.MAX, () -> false).toCompletableFuture());
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<PredictResponse> got = answers.stream().map(CompletableFuture::join).toList();
            org.persite.api.v1.Status failed = allFailed(got);
            if (failed != null) {
                return Answer.error(Code.values()[failed.getCode()], failed.getMessage());
            }
            return new Answer(Code.OK, InferMapping.response(json.path("id").asText(""), got, sigma, domain, interval));
        });
    }

    /** The status that stands for the whole call when no structure of it was predicted, else null. */
    private static org.persite.api.v1.Status allFailed(List<PredictResponse> got) {
        for (PredictResponse r : got) {
            if (r.getStatus().getCode() == 0 || r.getStructuresList().stream().anyMatch(s -> s.getStatus().getCode() == 0)) {
                return null;
            }
        }
        PredictResponse first = got.get(0);
        return first.getStatus().getCode() != 0 || first.getStructuresCount() == 0 ? first.getStatus() : first.getStructures(0).getStatus();
    }

    private ServedModel served(String name, int version) throws ModelRegistry.UnknownModelException {
        ServedModel m = registry.describe(name);
        if (version != 0 && version != m.version()) {
            throw new ModelRegistry.UnknownModelException("model " + m.name() + " version " + version + " is not served; the server serves version "
                    + m.version());
        }
        return m;
    }

    private ObjectNode metadata(ServedModel served) {
        ModelSpec spec = served.model().spec();
        ObjectNode n = InferMapping.JSON.createObjectNode();
        n.put("name", served.name());
        ArrayNode versions = n.putArray("versions");
        registry.versions(served.name()).forEach(v -> versions.add(Integer.toString(v)));
        n.put("platform", "onnxruntime_onnx");
        ArrayNode inputs = n.putArray("inputs");
        meta(inputs, "structure", "BYTES", -1);
        meta(inputs, "lattice", "FP64", 3, 3);
        meta(inputs, "species", "BYTES", -1);
        meta(inputs, "frac_coords", "FP64", -1, 3);
        int p = spec.properties().size();
        ArrayNode outputs = n.putArray("outputs");
        meta(outputs, "values", "FP32", -1, p);
        if (served.engine().hasUncertainty()) {
            meta(outputs, "uncertainty", "FP32", -1, p);
        }
        if (served.engine().hasDomainScore()) {
            meta(outputs, "domain_score", "FP32", -1);
        }
        if (served.engine().hasInterval()) {
            meta(outputs, "interval_low", "FP32", -1, p);
            meta(outputs, "interval_high", "FP32", -1, p);
        }
        meta(outputs, "species", "BYTES", -1);
        meta(outputs, "site_structure", "INT32", -1);
        meta(outputs, "structure_name", "BYTES", -1);
        meta(outputs, "structure_input", "INT32", -1);
        meta(outputs, "structure_error", "BYTES", -1);
        ObjectNode params = n.putObject("parameters");
        params.put("served_version", Integer.toString(served.version()));
        params.put("properties", String.join(",", spec.properties().stream().map(PropertySpec::name).toList()));
        params.put("units", String.join(",", spec.properties().stream().map(PropertySpec::unit).toList()));
        return n;
    }

    private static void meta(ArrayNode list, String name, String type, int... shape) {
        InferMapping.describe(list, name, type, shape);
    }

    /** A version as the protocol gives it (a string; empty = the served one); -1 when it is not a positive integer. */
    public static int version(String v) {
        if (v == null || v.isEmpty()) {
            return 0;
        }
        try {
            int n = Integer.parseInt(v);
            return n > 0 ? n : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
