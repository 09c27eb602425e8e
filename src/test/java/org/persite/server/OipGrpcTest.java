package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.persite.api.oip.GRPCInferenceServiceClient;
import org.persite.api.oip.InferParameter;
import org.persite.api.oip.InferTensorContents;
import org.persite.api.oip.ModelInferRequest;
import org.persite.api.oip.ModelInferResponse;
import org.persite.api.oip.ModelMetadataRequest;
import org.persite.api.oip.ServerLiveRequest;
import org.persite.api.oip.ServerReadyRequest;
import org.persite.api.v1.PredictResponse;

/**
 * The Open Inference Protocol's gRPC half on a real server's gRPC port: a Java client generated from our copy of
 * grpc_predict_v2.proto, and the grpcio stubs of {@code examples/python/oip_grpc_check.py} (where Debian's
 * python3-grpcio and python3-grpc-tools are installed). Values are checked against the same structure through persite's
 * own Predict.
 */
class OipGrpcTest {
    private static final Path NACL = Path.of("data/examples/NaCl-cod-1000041.cif");

    private static ModelInferRequest infer(String model, String text) {
        ModelInferRequest.InferInputTensor.Builder t = ModelInferRequest.InferInputTensor.newBuilder().setName("structure").setDatatype("BYTES")
                .addShape(1).putParameters("format", InferParameter.newBuilder().setStringParam("cif").build())
                .setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8(text)));
        return ModelInferRequest.newBuilder().setModelName(model).setId("j1").addInputs(t).build();
    }

    @Test
    void aGeneratedClientInfersTheSameValuesAsPredict() throws Exception {
        try (TestServer ts = TestServer.start(Map.of())) {
            GRPCInferenceServiceClient oip = GRPCInferenceServiceClient.create(GrpcClientSettings.connectToServiceAt("127.0.0.1", ts.port(),
                    ts.clientSystem).withTls(false), ts.clientSystem);
            assertTrue(oip.serverLive(ServerLiveRequest.getDefaultInstance()).toCompletableFuture().get(30, TimeUnit.SECONDS).getLive());
            assertTrue(oip.serverReady(ServerReadyRequest.getDefaultInstance()).toCompletableFuture().get(30, TimeUnit.SECONDS).getReady());
            assertTrue(oip.modelMetadata(ModelMetadataRequest.newBuilder().setName("magmom").build()).toCompletableFuture().get(30, TimeUnit.SECONDS)
                    .getOutputsList().stream().anyMatch(o -> o.getName().equals("values") && o.getDatatype().equals("FP32")));
            String nacl = Files.readString(NACL);
            ModelInferResponse r = oip.modelInfer(infer("magmom", nacl)).toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertEquals("j1", r.getId());
            assertEquals("μB", r.getParametersMap().get("units").getStringParam());
            PredictResponse p = ts.client.predict(TestServer.text("p", "nacl.cif", nacl)).toCompletableFuture().get(60, TimeUnit.SECONDS);
            ModelInferResponse.InferOutputTensor values = r.getOutputsList().stream().filter(o -> o.getName().equals("values")).findFirst().orElseThrow();
            assertEquals(List.of((long) p.getStructures(0).getSitesCount(), 1L), values.getShapeList());
            for (int i = 0; i < p.getStructures(0).getSitesCount(); i++) {
                assertEquals(p.getStructures(0).getSites(i).getValues(0), values.getContents().getFp32Contents(i), 0f);
            }
            Throwable unknown = assertThrows(CompletionException.class, () -> oip.modelInfer(infer("nope", nacl)).toCompletableFuture().join());
            assertEquals(Status.Code.NOT_FOUND, Status.fromThrowable(unknown.getCause()).getCode());
            Throwable bad = assertThrows(CompletionException.class, () -> oip.modelInfer(infer("magmom", "not a cif")).toCompletableFuture().join());
            assertEquals(Status.Code.INVALID_ARGUMENT, Status.fromThrowable(bad.getCause()).getCode());
            oip.close();
        }
    }

    @Test
    void withRequireTokenForPredictInferNeedsTheTokenOnBothHalves() throws Exception {
        String token = "oip-token-0123456789";
        try (TestServer ts = TestServer.start(Map.of("persite.server.admin-token", token, "persite.server.require-token-for-predict", "on"))) {
            GRPCInferenceServiceClient oip = GRPCInferenceServiceClient.create(GrpcClientSettings.connectToServiceAt("127.0.0.1", ts.port(),
                    ts.clientSystem).withTls(false), ts.clientSystem);
            String nacl = Files.readString(NACL);
            Throwable t = assertThrows(CompletionException.class, () -> oip.modelInfer(infer("magmom", nacl)).toCompletableFuture().join());
            assertEquals(Status.Code.UNAUTHENTICATED, Status.fromThrowable(t.getCause()).getCode());
            assertEquals("j1", oip.modelInfer().addHeader("authorization", "Bearer " + token).invoke(infer("magmom", nacl)).toCompletableFuture()
                    .get(60, TimeUnit.SECONDS).getId());
            java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
            String body = "{\"inputs\": [{\"name\": \"structure\", \"datatype\": \"BYTES\", \"shape\": [1], \"data\": "
                    + new ObjectMapper().writeValueAsString(List.of(nacl)) + "}]}";
            java.net.http.HttpRequest.Builder post = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + ts.server.httpPort()
                    + "/v2/models/magmom/infer")).POST(java.net.http.HttpRequest.BodyPublishers.ofString(body));
            assertEquals(401, http.send(post.build(), java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(200, http.send(post.header("authorization", "Bearer " + token).build(), java.net.http.HttpResponse.BodyHandlers.ofString())
                    .statusCode());
            oip.close();
        }
    }

    @Test
    void grpcioStubsGeneratedFromOurProtoInferTheSameValues() throws Exception {
        String python = grpcioPython();
        Assumptions.assumeTrue(python != null, "skipped: no python3 with grpcio and grpcio-tools here (Debian: apt-get install python3-grpcio "
                + "python3-grpc-tools); the Java client test above covers the service");
        try (TestServer ts = TestServer.start(Map.of())) {
            Process p = new ProcessBuilder(python, "examples/python/oip_grpc_check.py", "127.0.0.1:" + ts.port(), NACL.toString()).redirectErrorStream(false)
                    .start();
            String out = new String(p.getInputStream().readAllBytes());
            String err = new String(p.getErrorStream().readAllBytes());
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out + err);
            JsonNode j = new ObjectMapper().readTree(out);
            assertTrue(j.path("live").asBoolean() && j.path("ready").asBoolean(), out);
            assertEquals("μB", j.path("units").asText());
            PredictResponse ref = ts.client.predict(TestServer.text("p", "nacl.cif", Files.readString(NACL))).toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertEquals(ref.getStructures(0).getSitesCount(), j.path("values").size());
            for (int i = 0; i < j.path("values").size(); i++) {
                assertEquals(ref.getStructures(0).getSites(i).getValues(0), (float) j.path("values").get(i).asDouble(), 0f);
                assertEquals(ref.getStructures(0).getSites(i).getElement(), j.path("species").get(i).asText());
            }
        }
    }

    /** A python3 that imports grpc and grpc_tools, or null. */
    static String grpcioPython() throws Exception {
        return pythonWith("import grpc, grpc_tools.protoc");
    }

    /** The first of python3 and /usr/bin/python3 that runs {@code imports} without an error, or null. */
    static String pythonWith(String imports) throws Exception {
        for (String py : new String[] {"python3", "/usr/bin/python3"}) {
            try {
                Process p = new ProcessBuilder(py, "-c", imports).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return py;
                }
            } catch (java.io.IOException notThere) {
                // try the next
            }
        }
        return null;
    }
}
