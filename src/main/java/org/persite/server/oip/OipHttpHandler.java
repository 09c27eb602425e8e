package org.persite.server.oip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.Status.Code;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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

/**
 * The OIP REST endpoints (KServe v2): {@code GET /v2}, {@code /v2/health/live}, {@code /v2/health/ready},
 * {@code /v2/models/{name}[/versions/{v}]}, {@code .../ready}, and {@code POST .../infer}. Every other path is 404,
 * another method 405. Errors are {@code {"error": "..."}} with 400 (bad request), 404 (unknown model or version),
 * 401 (no token where {@code require-token-for-predict} asks for one), 413 (body over {@code persite.server.max-message-bytes}), 429 (over {@code max-in-flight-unary} infer calls, or a
 * full inference queue), 503 (not ready), 504 (deadline).
 */
public final class OipHttpHandler implements Function<HttpRequest, CompletionStage<HttpResponse>> {
    private static final Pattern MODEL = Pattern.compile("^/v2/models/([^/]+)(?:/versions/([^/]+))?(/ready|/infer)?$");

    private final OipCore core;
    private final Materializer materializer;
    private final long maxBodyBytes;

    /** @param maxBodyBytes an infer body larger than this is refused with 413 (persite.server.max-message-bytes) */
    public OipHttpHandler(OipCore core, Materializer materializer, long maxBodyBytes) {
        this.core = core;
        this.materializer = materializer;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public CompletionStage<HttpResponse> apply(HttpRequest req) {
        String path = req.getUri().path();
        boolean get = req.method().equals(HttpMethods.GET);
        boolean post = req.method().equals(HttpMethods.POST);
        Matcher m = MODEL.matcher(path);
        boolean infer = m.matches() && "/infer".equals(m.group(3));
        if (!infer) {
            req.discardEntityBytes(materializer); // only infer reads its body
        }
        switch (path) {
            case "/v2", "/v2/" -> {
                return get ? done(200, core.serverMetadata()) : notAllowed(path);
            }
            case "/v2/health/live" -> {
                return get ? done(200, InferMapping.JSON.createObjectNode().put("live", true)) : notAllowed(path);
            }
            case "/v2/health/ready" -> {
                boolean ready = core.ready();
                return get ? done(ready ? 200 : 503, InferMapping.JSON.createObjectNode().put("ready", ready)) : notAllowed(path);
            }
            default -> {
            }
        }
        if (!m.matches()) {
            return done(404, err("no such endpoint: " + path + " (the Open Inference Protocol's are /v2, /v2/health/{live,ready} and "
                    + "/v2/models/{name}[/versions/{v}][/ready|/infer])"));
        }
        String name = java.net.URLDecoder.decode(m.group(1).replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
        int version = OipCore.version(m.group(2));
        if (version < 0) {
            if (infer) {
                req.discardEntityBytes(materializer);
            }
            return done(400, err("model version \"" + m.group(2) + "\" is not a positive integer"));
        }
        if (infer) {
            if (!post) {
                req.discardEntityBytes(materializer);
                return notAllowed(path);
            }
            return infer(req, name, version);
        }
        if (!get) {
            return notAllowed(path);
        }
        return ("/ready".equals(m.group(3)) ? core.modelReady(name, version) : core.modelMetadata(name, version)).thenApply(OipHttpHandler::response);
    }

    /** Reads the body (at most maxBodyBytes) and runs it through the core. */
    private CompletionStage<HttpResponse> infer(HttpRequest request, String name, int version) {
        if (!core.authorized(request.getHeader("authorization").map(h -> h.value()).orElse(null))) {
            request.discardEntityBytes(materializer);
            return done(401, err(OipCore.UNAUTHENTICATED));
        }
        if (!core.admit()) {
            request.discardEntityBytes(materializer);
            return CompletableFuture.completedFuture(response(core.refused()));
        }
        return request.entity().withSizeLimit(maxBodyBytes).toStrict(30_000, materializer).handle((strict, e) -> {
            if (e != null) {
                Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                boolean tooLarge = c instanceof org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
                core.release(tooLarge ? Code.RESOURCE_EXHAUSTED : Code.INVALID_ARGUMENT);
                return done(tooLarge ? 413 : 400, err(tooLarge ? "the request body is larger than persite.server.max-message-bytes (" + maxBodyBytes
                        + " bytes)" : "the request body could not be read: " + c));
            }
            JsonNode json;
            try {
                json = InferMapping.JSON.readTree(strict.getData().toArray());
            } catch (java.io.IOException notJson) {
                core.release(Code.INVALID_ARGUMENT);
                return done(400, err("the request body is not JSON: " + notJson.getMessage()));
            }
            return core.infer(json, name, version).thenApply(OipHttpHandler::response);
        }).thenCompose(r -> r);
    }

    private static ObjectNode err(String message) {
        return InferMapping.JSON.createObjectNode().put("error", message);
    }

    private static CompletionStage<HttpResponse> notAllowed(String path) {
        return done(405, err("method not allowed on " + path));
    }

    private static CompletionStage<HttpResponse> done(int status, ObjectNode body) {
        return CompletableFuture.completedFuture(response(status, body));
    }

    private static HttpResponse response(OipCore.Answer a) {
        return response(a.httpStatus(), a.body());
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
