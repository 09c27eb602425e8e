package org.persite.server.oip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;
import org.persite.api.oip.GRPCInferenceServicePowerApi;
import org.persite.api.oip.InferParameter;
import org.persite.api.oip.InferTensorContents;
import org.persite.api.oip.ModelInferRequest;
import org.persite.api.oip.ModelInferResponse;
import org.persite.api.oip.ModelMetadataRequest;
import org.persite.api.oip.ModelMetadataResponse;
import org.persite.api.oip.ModelReadyRequest;
import org.persite.api.oip.ModelReadyResponse;
import org.persite.api.oip.ServerLiveRequest;
import org.persite.api.oip.ServerLiveResponse;
import org.persite.api.oip.ServerMetadataRequest;
import org.persite.api.oip.ServerMetadataResponse;
import org.persite.api.oip.ServerReadyRequest;
import org.persite.api.oip.ServerReadyResponse;

/**
 * The OIP's gRPC half ({@code inference.GRPCInferenceService}, proto/kserve/v2/grpc_predict_v2.proto) on persite's gRPC
 * port. Each message is turned into the protocol's JSON form and answered by {@link OipCore}, so REST and gRPC
 * answer alike; an error is the call's status (INVALID_ARGUMENT, NOT_FOUND, RESOURCE_EXHAUSTED, ...).
 */
public final class OipGrpcService implements GRPCInferenceServicePowerApi {
    private final OipCore core;

    public OipGrpcService(OipCore core) {
        this.core = core;
    }

    @Override
    public CompletionStage<ServerLiveResponse> serverLive(ServerLiveRequest in, Metadata metadata) {
        return CompletableFuture.completedFuture(ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public CompletionStage<ServerReadyResponse> serverReady(ServerReadyRequest in, Metadata metadata) {
        return CompletableFuture.completedFuture(ServerReadyResponse.newBuilder().setReady(core.ready()).build());
    }

    @Override
    public CompletionStage<ServerMetadataResponse> serverMetadata(ServerMetadataRequest in, Metadata metadata) {
        ObjectNode m = core.serverMetadata();
        return CompletableFuture.completedFuture(ServerMetadataResponse.newBuilder().setName(m.path("name").asText())
                .setVersion(m.path("version").asText()).build());
    }

    @Override
    public CompletionStage<ModelReadyResponse> modelReady(ModelReadyRequest in, Metadata metadata) {
        return core.modelReady(in.getName(), version(in.getVersion())).thenApply(a -> ModelReadyResponse.newBuilder()
                .setReady(ok(a).path("ready").asBoolean()).build());
    }

    @Override
    public CompletionStage<ModelMetadataResponse> modelMetadata(ModelMetadataRequest in, Metadata metadata) {
        return core.modelMetadata(in.getName(), version(in.getVersion())).thenApply(a -> {
            JsonNode m = ok(a);
            ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder().setName(m.path("name").asText()).setPlatform(m.path("platform").asText());
            m.path("versions").forEach(v -> b.addVersions(v.asText()));
            m.path("inputs").forEach(t -> b.addInputs(tensor(t)));
            m.path("outputs").forEach(t -> b.addOutputs(tensor(t)));
            return b.build();
        });
    }

    @Override
    public CompletionStage<ModelInferResponse> modelInfer(ModelInferRequest in, Metadata metadata) {
        if (in.getRawInputContentsCount() > 0) {
            return failed(Status.INVALID_ARGUMENT, "raw_input_contents is not read by persite: give each input's contents");
        }
        int version = version(in.getModelVersion());
        if (!core.authorized(metadata.getText("authorization").orElse(null))) {
            return failed(Status.UNAUTHENTICATED, OipCore.UNAUTHENTICATED);
        }
        if (!core.admit()) {
            return failed(Status.RESOURCE_EXHAUSTED, core.refused().body().path("error").asText());
        }
        return core.infer(json(in), in.getModelName(), version).thenApply(a -> response(ok(a)));
    }

    /** The request in the protocol's JSON form (what the REST half reads). */
    static ObjectNode json(ModelInferRequest in) {
        ObjectNode r = InferMapping.JSON.createObjectNode();
        if (!in.getId().isEmpty()) {
            r.put("id", in.getId());
        }
        r.set("parameters", parameters(in.getParametersMap()));
        ArrayNode inputs = r.putArray("inputs");
        for (ModelInferRequest.InferInputTensor t : in.getInputsList()) {
            ObjectNode j = inputs.addObject();
            j.put("name", t.getName());
            j.put("datatype", t.getDatatype());
            ArrayNode shape = j.putArray("shape");
            t.getShapeList().forEach(shape::add);
            j.set("parameters", parameters(t.getParametersMap()));
            ArrayNode data = j.putArray("data");
            InferTensorContents c = t.getContents();
            c.getBytesContentsList().forEach(b -> data.add(b.toString(StandardCharsets.UTF_8)));
            c.getFp64ContentsList().forEach(data::add);
            c.getFp32ContentsList().forEach(data::add);
            c.getIntContentsList().forEach(data::add);
            c.getInt64ContentsList().forEach(data::add);
        }
        return r;
    }

    private static ObjectNode parameters(Map<String, InferParameter> params) {
        ObjectNode p = InferMapping.JSON.createObjectNode();
        params.forEach((k, v) -> {
            switch (v.getParameterChoiceCase()) {
                case BOOL_PARAM -> p.put(k, v.getBoolParam());
                case INT64_PARAM -> p.put(k, v.getInt64Param());
                case STRING_PARAM -> p.put(k, v.getStringParam());
                case DOUBLE_PARAM -> p.put(k, v.getDoubleParam());
                case UINT64_PARAM -> p.put(k, v.getUint64Param());
                default -> {
                }
            }
        });
        return p;
    }

    /** The JSON infer response as the protocol's message: FP32, INT32 and BYTES tensors in their contents fields. */
    static ModelInferResponse response(JsonNode r) {
        ModelInferResponse.Builder b = ModelInferResponse.newBuilder().setModelName(r.path("model_name").asText())
                .setModelVersion(r.path("model_version").asText()).setId(r.path("id").asText(""));
        r.path("parameters").fields().forEachRemaining(e -> b.putParameters(e.getKey(), InferParameter.newBuilder().setStringParam(e.getValue().asText())
                .build()));
        for (JsonNode o : r.path("outputs")) {
            ModelInferResponse.InferOutputTensor.Builder t = ModelInferResponse.InferOutputTensor.newBuilder().setName(o.path("name").asText())
                    .setDatatype(o.path("datatype").asText());
            o.path("shape").forEach(d -> t.addShape(d.asLong()));
            InferTensorContents.Builder c = InferTensorContents.newBuilder();
            switch (o.path("datatype").asText()) {
                case "FP32" -> o.path("data").forEach(v -> c.addFp32Contents((float) v.asDouble()));
                case "INT32" -> o.path("data").forEach(v -> c.addIntContents(v.asInt()));
                default -> o.path("data").forEach(v -> c.addBytesContents(ByteString.copyFromUtf8(v.asText())));
            }
            b.addOutputs(t.setContents(c));
        }
        return b.build();
    }

    private static ModelMetadataResponse.TensorMetadata tensor(JsonNode t) {
        ModelMetadataResponse.TensorMetadata.Builder b = ModelMetadataResponse.TensorMetadata.newBuilder().setName(t.path("name").asText())
                .setDatatype(t.path("datatype").asText());
        t.path("shape").forEach(d -> b.addShape(d.asLong()));
        return b.build();
    }

    private static int version(String v) {
        int n = OipCore.version(v);
        if (n < 0) {
            throw new GrpcServiceException(Status.INVALID_ARGUMENT.withDescription("model version \"" + v + "\" is not a positive integer"));
        }
        return n;
    }

    /** The answer's body when it is OK; otherwise the call fails with its code and message. */
    private static JsonNode ok(OipCore.Answer a) {
        if (a.code() != Status.Code.OK) {
            throw new GrpcServiceException(Status.fromCode(a.code()).withDescription(a.body().path("error").asText()));
        }
        return a.body();
    }

    private static <T> CompletionStage<T> failed(Status status, String message) {
        return CompletableFuture.failedFuture(new GrpcServiceException(status.withDescription(message)));
    }
}
