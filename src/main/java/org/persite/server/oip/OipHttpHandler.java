package org.persite.server.oip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.Materializer;
import org.persite.api.v1.PredictRequest;
import org.persite.api.v1.PredictResponse;
import org.persite.model.ModelSpec;
import org.persite.model.PropertySpec;
import org.persite.server.ModelRegistry;
import org.persite.server.PredictionPipeline;
import org.persite.server.ServedModel;
import org.persite.server.ServerMetrics;

/**
 * The OIP REST endpoints (KServe v2): {@code GET /v2}, {@code /v2/health/live}, {@code /v2/health/ready},
 * {@code /v2/models/{name}[/versions/{v}]}, {@code .../ready}, and {@code POST .../infer}. Every other path is 404,
 * another method 405. Errors are {@code {"error": "..."}} with 400 (bad request), 404 (unknown model or version),
 * 413 (body over {@code persite.server.max-message-bytes}), 429 (over {@code max-in-flight-unary} infer calls, or a
 * full inference queue), 503 (not ready), 504 (deadline).
 */
public final class OipHttpHandler implements Function<HttpRequest, CompletionStage<HttpResponse>> {
    private static final Pattern MODEL = Pattern.compile("^/v2/models/([^/]+)(?:/versions/([^/]+))?(/ready|/infer)?$");

    private final PredictionPipeline pipeline;
    private final ModelRegistry registry;
    private final ServerMetrics metrics;
    private final BooleanSupplier serving;
    private final Materializer materializer;
    private final Executor blocking;
    private final long maxBodyBytes;
    private final int maxInFlight;
    private final String serverVersion;
    private final AtomicInteger inFlight = new AtomicInteger();

    /**
     * @param serving false from the start of a shutdown (ready turns 503)
     * @param blocking where the model folders are listed (metadata)
     * @param maxBodyBytes an infer body larger than this is refused with 413 (persite.server.max-message-bytes)
     * @param maxInFlight infer calls worked on at once; one more is 429 (persite.server.max-in-flight-unary)
     */
    public OipHttpHandler(PredictionPipeline pipeline, ModelRegistry registry, ServerMetrics metrics, BooleanSupplier serving, Materializer materializer,
            Executor blocking, long maxBodyBytes, int maxInFlight, String serverVersion) {
        this.pipeline = pipeline;
        this.registry = registry;
        this.metrics = metrics;
        this.serving = serving;
        this.materializer = materializer;
        this.blocking = blocking;
        this.maxBodyBytes = maxBodyBytes;
        this.maxInFlight = maxInFlight;
        this.serverVersion = serverVersion;
    }

    @Override
    public CompletionStage<HttpResponse> apply(HttpRequest req) {
        String path = req.getUri().path();
        boolean get = req.method().equals(HttpMethods.GET);
        boolean post = req.method().equals(HttpMethods.POST);
        Matcher m = MODEL.matcher(path);
        if (!(m.matches() && "/infer".equals(m.group(3)))) {
            req.discardEntityBytes(materializer); // only infer reads its body
        }
        switch (path) {
            case "/v2", "/v2/" -> {
                return get ? json(200, serverMetadata()) : notAllowed(path);
            }
            case "/v2/health/live" -> {
                return get ? json(200, InferMapping.JSON.createObjectNode().put("live", true)) : notAllowed(path);
            }
            case "/v2/health/ready" -> {
                boolean ready = serving.getAsBoolean();
                return get ? json(ready ? 200 : 503, InferMapping.JSON.createObjectNode().put("ready", ready)) : notAllowed(path);
            }
            default -> {
            }
        }
        if (!m.matches()) {
            return error(404, "no such endpoint: " + path + " (the Open Inference Protocol's are /v2, /v2/health/{live,ready} and "
                    + "/v2/models/{name}[/versions/{v}][/ready|/infer])");
        }
        String name = decode(m.group(1));
        String versionText = m.group(2);
        String action = m.group(3) == null ? "" : m.group(3);
        int version;
        try {
            version = versionText == null ? 0 : Integer.parseInt(versionText);
            if (version < 0) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            return error(400, "model version \"" + versionText + "\" is not a positive integer");
        }
        if (action.equals("/infer")) {
            return post ? infer(req, name, version) : notAllowed(path);
        }
        if (!get) {
            return notAllowed(path);
        }
        return CompletableFuture.supplyAsync(() -> {
            ServedModel served;
            try {
                served = served(name, version);
            } catch (ModelRegistry.UnknownModelException e) {
                return response(404, err(e.getMessage()));
            }
            if (action.equals("/ready")) {
                return response(200, InferMapping.JSON.createObjectNode().put("name", served.name()).put("ready", serving.getAsBoolean()));
            }
            return response(200, modelMetadata(served));
        }, blocking);
    }

    /** Reads the body (at most maxBodyBytes), maps it, predicts every structure in it, and answers the tensors. */
    private CompletionStage<HttpResponse> infer(HttpRequest request, String name, int version) {
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            metrics.answered("oip.infer", "RESOURCE_EXHAUSTED");
            request.discardEntityBytes(materializer);
            return error(429, maxInFlight + " infer calls are in flight (persite.server.max-in-flight-unary): try again later");
        }
        CompletionStage<HttpResponse> done = request.entity().withSizeLimit(maxBodyBytes).toStrict(30_000, materializer).thenCompose(strict -> {
            JsonNode json;
            List<PredictRequest> requests;
            try {
                json = InferMapping.JSON.readTree(strict.getData().toArray());
                requests = InferMapping.requests(json, name, version);
            } catch (InferMapping.BadInfer e) {
                return error(400, e.getMessage());
            } catch (java.io.IOException e) {
                return error(400, "the request body is not JSON: " + e.getMessage());
            }
            ServedModel served;
            try {
                served = served(name, version);
            } catch (ModelRegistry.UnknownModelException e) {
                return error(404, e.getMessage());
            }
            boolean sigma = served.engine().hasUncertainty();
            boolean domain = served.engine().hasDomainScore();
            List<CompletableFuture<PredictResponse>> answers = new ArrayList<>();
            for (PredictRequest r : requests) {
                answers.add(pipeline.predict(r, Instant.MAX, () -> false).toCompletableFuture());
            }
            return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(v -> {
                List<PredictResponse> got = answers.stream().map(CompletableFuture::join).toList();
                PredictResponse failed = allFailed(got);
                if (failed != null) {
                    metrics.answered("oip.infer", io.grpc.Status.Code.values()[failed.getStatus().getCode()].name());
                    return response(httpStatus(failed.getStatus().getCode()), err(failed.getStatus().getMessage()));
                }
                metrics.answered("oip.infer", "OK");
                return response(200, InferMapping.response(json.path("id").asText(""), got, sigma, domain));
            });
        }).exceptionally(e -> {
            Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            if (c instanceof org.apache.pekko.http.scaladsl.model.EntityStreamSizeException) {
                return response(413, err("the request body is larger than persite.server.max-message-bytes (" + maxBodyBytes + " bytes)"));
            }
            return response(500, err("internal error: " + c));
        });
        return done.whenComplete((r, e) -> inFlight.decrementAndGet());
    }

    /** The response that stands for the whole call when no structure of it was predicted, else null. */
    private static PredictResponse allFailed(List<PredictResponse> got) {
        for (PredictResponse r : got) {
            if (r.getStatus().getCode() == 0 || r.getStructuresList().stream().anyMatch(s -> s.getStatus().getCode() == 0)) {
                return null;
            }
        }
        PredictResponse first = got.get(0);
        if (first.getStatus().getCode() != 0) {
            return first;
        }
        org.persite.api.v1.Status s = first.getStructures(0).getStatus();
        return first.toBuilder().setStatus(s).build();
    }

    static int httpStatus(int grpcCode) {
        return switch (io.grpc.Status.Code.values()[grpcCode]) {
            case OK -> 200;
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
            case NOT_FOUND -> 404;
            case RESOURCE_EXHAUSTED -> 429;
            case DEADLINE_EXCEEDED -> 504;
            case UNAVAILABLE -> 503;
            default -> 500;
        };
    }

    private ServedModel served(String name, int version) throws ModelRegistry.UnknownModelException {
        ServedModel m = registry.describe(name);
        if (version != 0 && version != m.version()) {
            throw new ModelRegistry.UnknownModelException("model " + m.name() + " version " + version + " is not served; the server serves version "
                    + m.version());
        }
        return m;
    }

    private ObjectNode serverMetadata() {
        ObjectNode n = InferMapping.JSON.createObjectNode();
        n.put("name", "persite");
        n.put("version", serverVersion);
        n.putArray("extensions");
        return n;
    }

    private ObjectNode modelMetadata(ServedModel served) {
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
        ObjectNode t = list.addObject();
        t.put("name", name);
        t.put("datatype", type);
        ArrayNode s = t.putArray("shape");
        for (int d : shape) {
            s.add(d);
        }
    }

    private static String decode(String segment) {
        return java.net.URLDecoder.decode(segment.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static ObjectNode err(String message) {
        return InferMapping.JSON.createObjectNode().put("error", message);
    }

    private static CompletionStage<HttpResponse> error(int status, String message) {
        return CompletableFuture.completedFuture(response(status, err(message)));
    }

    private static CompletionStage<HttpResponse> notAllowed(String path) {
        return error(405, "method not allowed on " + path);
    }

    private static CompletionStage<HttpResponse> json(int status, ObjectNode body) {
        return CompletableFuture.completedFuture(response(status, body));
    }

    private static HttpResponse response(int status, ObjectNode body) {
        try {
            return HttpResponse.create().withStatus(StatusCodes.get(status))
                    .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, InferMapping.JSON.writeValueAsBytes(body)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
