package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.persite.TestVectors;
import org.persite.api.v1.ExplicitStructure;
import org.persite.api.v1.PredictRequest;
import org.persite.api.v1.PredictResponse;
import org.persite.api.v1.SitePrediction;

/**
 * The Open Inference Protocol (KServe v2) REST endpoints of a real server, called with plain HTTP from Java's
 * HttpClient. What infer answers is checked against the same structures predicted through the gRPC API.
 */
class OipRestTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private record Reply(int status, JsonNode body) {
    }

    private static Reply get(TestServer ts, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ts.server.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body().isEmpty() ? null : JSON.readTree(r.body()));
    }

    private static Reply post(TestServer ts, String path, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ts.server.httpPort() + path))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), JSON.readTree(r.body()));
    }

    private static JsonNode output(JsonNode infer, String name) {
        for (JsonNode o : infer.path("outputs")) {
            if (o.path("name").asText().equals(name)) {
                return o;
            }
        }
        return null;
    }

    @Test
    void healthMetadataAndReadinessFollowTheProtocol() throws Exception {
        try (TestServer ts = TestServer.start(Map.of())) {
            assertEquals(200, get(ts, "/v2/health/live").status());
            assertEquals(200, get(ts, "/v2/health/ready").status());
            Reply server = get(ts, "/v2");
            assertEquals("persite", server.body().path("name").asText());
            Reply meta = get(ts, "/v2/models/magmom");
            assertEquals(200, meta.status());
            assertEquals("magmom", meta.body().path("name").asText());
            assertTrue(meta.body().path("versions").toString().contains("\"2\""), meta.body().toString());
            assertEquals("structure", meta.body().path("inputs").get(0).path("name").asText());
            assertEquals("BYTES", meta.body().path("inputs").get(0).path("datatype").asText());
            assertEquals("values", meta.body().path("outputs").get(0).path("name").asText());
            assertEquals("μB", meta.body().path("parameters").path("units").asText());
            assertEquals(200, get(ts, "/v2/models/magmom/ready").status());
            assertEquals(200, get(ts, "/v2/models/magmom/versions/" + meta.body().path("parameters").path("served_version").asText() + "/ready").status());
            Reply unknown = get(ts, "/v2/models/no-such-model");
            assertEquals(404, unknown.status());
            assertTrue(unknown.body().path("error").asText().contains("no-such-model"), unknown.body().toString());
            assertEquals(404, get(ts, "/v2/models/magmom/versions/99/ready").status());
            assertEquals(400, get(ts, "/v2/models/magmom/versions/x").status());
            assertEquals(404, get(ts, "/healthz").status(), "unknown paths are 404, not a page that says OK");
            assertEquals(405, get(ts, "/v2/models/magmom/infer").status());
        }
    }

    @Test
    void inferAnswersTheSameValuesAsGrpcWithPerStructureErrors() throws Exception {
        try (TestServer ts = TestServer.start(Map.of())) {
            String nacl = Files.readString(TestVectors.input("cod-1000041.cif"));
            Map<String, Object> body = Map.of("id", "job-7", "inputs", List.of(Map.of("name", "structure", "datatype", "BYTES", "shape", List.of(2),
                    "parameters", Map.of("format", "cif"), "data", List.of(nacl, "data_broken\n_cell_length_a 3\n"))));
            Reply r = post(ts, "/v2/models/magmom/infer", JSON.writeValueAsString(body));
            assertEquals(200, r.status(), r.body().toString());
            assertEquals("job-7", r.body().path("id").asText());
            assertEquals("magmom", r.body().path("model_name").asText());

            PredictResponse grpc = ts.client.predict(TestServer.text("g", "nacl.cif", nacl)).toCompletableFuture().get(60, TimeUnit.SECONDS);
            List<SitePrediction> sites = grpc.getStructures(0).getSitesList();
            JsonNode values = output(r.body(), "values");
            assertEquals(List.of(sites.size(), 1), List.of(values.path("shape").get(0).asInt(), values.path("shape").get(1).asInt()));
            for (int i = 0; i < sites.size(); i++) {
                assertEquals(sites.get(i).getValues(0), (float) values.path("data").get(i).asDouble(), 0f, "site " + i);
                assertEquals(sites.get(i).getElement(), output(r.body(), "species").path("data").get(i).asText());
                assertEquals(0, output(r.body(), "site_structure").path("data").get(i).asInt());
            }
            JsonNode errors = output(r.body(), "structure_error");
            assertEquals(2, errors.path("shape").get(0).asInt());
            assertEquals("", errors.path("data").get(0).asText());
            assertTrue(errors.path("data").get(1).asText().contains("structure[1]"), errors.toString());
            assertEquals(1, output(r.body(), "structure_input").path("data").get(1).asInt());

            // field by field: bcc Fe, against the same structure through gRPC
            Map<String, Object> fe = Map.of("inputs", List.of(
                    Map.of("name", "lattice", "datatype", "FP64", "shape", List.of(3, 3), "data", List.of(List.of(2.87, 0, 0), List.of(0, 2.87, 0),
                            List.of(0, 0, 2.87))),
                    Map.of("name", "species", "datatype", "BYTES", "shape", List.of(2), "data", List.of("Fe", "Fe")),
                    Map.of("name", "frac_coords", "datatype", "FP64", "shape", List.of(2, 3), "data", List.of(0, 0, 0, 0.5, 0.5, 0.5))));
            Reply x = post(ts, "/v2/models/magmom/infer", JSON.writeValueAsString(fe));
            assertEquals(200, x.status(), x.body().toString());
            PredictResponse feGrpc = ts.client.predict(PredictRequest.newBuilder().setRequestId("fe").setExplicit(ExplicitStructure.newBuilder()
                    .addAllLattice(List.of(2.87, 0.0, 0.0, 0.0, 2.87, 0.0, 0.0, 0.0, 2.87)).addAllSpecies(List.of("Fe", "Fe"))
                    .addAllFracCoords(List.of(0.0, 0.0, 0.0, 0.5, 0.5, 0.5))).build()).toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertEquals(feGrpc.getStructures(0).getSites(1).getValues(0), (float) output(x.body(), "values").path("data").get(1).asDouble(), 0f);

            // refusals: not JSON, no usable input, every structure bad, an unknown model
            assertEquals(400, post(ts, "/v2/models/magmom/infer", "{not json").status());
            Reply none = post(ts, "/v2/models/magmom/infer", "{\"inputs\": [{\"name\": \"image\", \"datatype\": \"FP32\", \"shape\": [1], \"data\": [1]}]}");
            assertEquals(400, none.status());
            assertTrue(none.body().path("error").asText().contains("\"structure\""), none.body().toString());
            Reply allBad = post(ts, "/v2/models/magmom/infer", JSON.writeValueAsString(Map.of("inputs", List.of(Map.of("name", "structure", "datatype",
                    "BYTES", "shape", List.of(1), "parameters", Map.of("format", "poscar"), "data", List.of("not a poscar"))))));
            assertEquals(400, allBad.status(), allBad.body().toString());
            assertTrue(allBad.body().path("error").asText().contains("structure[0]"), allBad.body().toString());
            assertEquals(404, post(ts, "/v2/models/nope/infer", JSON.writeValueAsString(body)).status());
            assertEquals(404, post(ts, "/v2/models/magmom/versions/99/infer", JSON.writeValueAsString(body)).status());
        }
    }

    @Test
    void anEnsembleAnswersSigmaAndAnOversizedBodyIs413() throws Exception {
        try (TestServer ts = TestServer.start(Map.of("persite.server.max-message-bytes", "64KiB"))) {
            String nacl = Files.readString(TestVectors.input("cod-1000041.cif"));
            Reply r = post(ts, "/v2/models/magmom-ensemble/infer", JSON.writeValueAsString(Map.of("inputs", List.of(Map.of("name", "structure",
                    "datatype", "BYTES", "shape", List.of(1), "data", List.of(nacl))))));
            assertEquals(200, r.status(), r.body().toString());
            JsonNode sigma = output(r.body(), "uncertainty");
            assertTrue(sigma != null && sigma.path("data").get(0).asDouble() > 0, r.body().toString());
            List<String> big = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                big.add(nacl.repeat(3));
            }
            Reply tooBig = post(ts, "/v2/models/magmom/infer", JSON.writeValueAsString(Map.of("inputs", List.of(Map.of("name", "structure", "datatype",
                    "BYTES", "shape", List.of(big.size()), "data", big)))));
            assertEquals(413, tooBig.status(), tooBig.body().toString());
            assertTrue(tooBig.body().path("error").asText().contains("max-message-bytes"));
        }
    }
}
