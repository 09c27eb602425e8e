package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.persite.api.v1.ExplicitStructure;
import org.persite.api.v1.Format;
import org.persite.api.v1.GetModelRequest;
import org.persite.api.v1.ListModelsRequest;
import org.persite.api.v1.ModelInfo;
import org.persite.api.v1.PredictRequest;
import org.persite.api.v1.PredictResponse;
import org.persite.api.v1.ResponseOrder;
import org.persite.api.v1.StructureResult;
import org.persite.api.v1.StructureText;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.inference.Buckets;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.inference.Device;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.structure.ParseResult;
import org.persite.structure.Structure;
import org.persite.TestVectors;

/** The real server on a real port, called through the generated Pekko gRPC client. */
class PerSiteServerTest {
    static TestServer ts;

    @BeforeAll
    static void start() throws Exception {
        ts = TestServer.start(Map.of());
    }

    @AfterAll
    static void stop() {
        ts.close();
    }

    private static PredictResponse predict(PredictRequest r) {
        return ts.client.predict(r).toCompletableFuture().join();
    }

    private static io.grpc.Status.Code codeOf(Throwable t) {
        return io.grpc.Status.fromThrowable(t instanceof CompletionException ? t.getCause() : t).getCode();
    }

    @Test
    void listsAndDescribesTheShippedModels() {
        List<ModelInfo> models = ts.client.listModels(ListModelsRequest.getDefaultInstance()).toCompletableFuture().join().getModelsList();
        Map<String, ModelInfo> byName = new HashMap<>();
        models.forEach(m -> byName.put(m.getName(), m));
        assertEquals(Set.of("magmom", "magmom-ensemble", "ddec-charge", "ddec-charge-ensemble"), byName.keySet());
        ModelInfo mag = byName.get("magmom");
        assertTrue(mag.getIsDefault());
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9), mag.getAvailableVersionsList());
        assertEquals(9, mag.getVersion(), "the newest version is served");
        assertEquals("non_negative", mag.getProperties(0).getConstraint());
        assertTrue(mag.getDomainThreshold() > 0);
        assertTrue(mag.getGate().contains("at start"), mag.getGate());
        assertEquals("μB", mag.getProperties(0).getUnit());
        assertEquals(8.0, mag.getFeaturizer().getCutoff());
        assertEquals(12, mag.getFeaturizer().getMaxNeighbors());
        assertTrue(mag.getMetricsMap().keySet().stream().anyMatch(k -> k.contains("mae")), mag.getMetricsMap().toString());
        assertEquals(64, mag.getSha256().length());

        ModelInfo ddec = ts.client.getModel(GetModelRequest.newBuilder().setName("ddec-charge").build()).toCompletableFuture().join();
        assertEquals("e", ddec.getProperties(0).getUnit());
        assertEquals("conserved_sum", ddec.getProperties(0).getConstraint());
        Throwable t = assertThrows(CompletionException.class,
                () -> ts.client.getModel(GetModelRequest.newBuilder().setName("nope").build()).toCompletableFuture().join());
        assertEquals(io.grpc.Status.Code.NOT_FOUND, codeOf(t));
    }

    @Test
    void servedPredictionsEqualTheInProcessEngine() throws Exception {
        Path cif = TestVectors.input("cod-1000041.cif");
        PredictResponse r = predict(TestServer.text("nacl", cif.getFileName().toString(), Files.readString(cif)));
        assertEquals(0, r.getStatus().getCode(), r.getStatus().getMessage());
        assertEquals("nacl", r.getRequestId());
        assertEquals("magmom", r.getModel());
        assertEquals(9, r.getModelVersion());
        assertEquals(List.of("magmom"), r.getPropertiesList());
        StructureResult s = r.getStructures(0);
        assertEquals("Na4Cl4", s.getFormula());

        LoadedModel m = ModelDirectory.load(ModelDirectory.resolve(Path.of("models/magmom")));
        Structure st = ((ParseResult.Parsed) TestVectors.READER.readFile(cif, org.persite.structure.Format.AUTO).get(0)).value().structure();
        try (OnnxInferenceEngine engine = OnnxInferenceEngine.open(m, Device.CPU, false, 1)) {
            org.persite.inference.SiteOutputs o = engine.layout().split(engine.predictOne(new CrystalGraphBuilder(m.spec().featurizer()).build(st),
                    new Buckets(List.of(32, 64, 128, 256))));
            float[] want = o.values();
            assertEquals(st.size(), s.getSitesCount());
            for (int i = 0; i < st.size(); i++) {
                assertEquals(i, s.getSites(i).getIndex());
                assertEquals(st.species(i), s.getSites(i).getElement());
                assertEquals(want[i], s.getSites(i).getValues(0), 1e-5, "site " + i);
                assertEquals(o.domain()[i], s.getSites(i).getDomainScore(), 1e-5, "site " + i);
            }
        }
        assertTrue(r.getTimings().getTotalUs() > 0);
        assertTrue(r.getTimings().getBatchAtoms() >= 8);
    }

    @Test
    void explicitFieldsGiveTheSameAnswerAsTheFile() throws Exception {
        Path cif = TestVectors.input("cod-1000041.cif");
        Structure st = ((ParseResult.Parsed) TestVectors.READER.readFile(cif, org.persite.structure.Format.AUTO).get(0)).value().structure();
        ExplicitStructure.Builder e = ExplicitStructure.newBuilder().setName("nacl-explicit");
        for (double v : st.lattice().rowMajor()) {
            e.addLattice(v);
        }
        for (int i = 0; i < st.size(); i++) {
            e.addSpecies(st.species(i) + (i % 2 == 0 ? "+" : "")); // oxidation-state suffixes, as pymatgen writes them
            for (int k = 0; k < 3; k++) {
                e.addFracCoords(st.frac(i, k));
            }
        }
        PredictResponse a = predict(PredictRequest.newBuilder().setRequestId("x").setExplicit(e).build());
        PredictResponse b = predict(TestServer.text("t", "nacl.cif", Files.readString(cif)));
        assertEquals(0, a.getStatus().getCode(), a.getStatus().getMessage());
        assertEquals("nacl-explicit", a.getStructures(0).getName());
        for (int i = 0; i < st.size(); i++) {
            assertEquals(b.getStructures(0).getSites(i).getValues(0), a.getStructures(0).getSites(i).getValues(0), 1e-6);
        }
    }

    @Test
    void aStreamOf1000With3BadGives997PredictionsAnd3ClearErrorsInInputOrder() throws Exception {
        List<String> lines = TestServer.sampleLines();
        List<PredictRequest> reqs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            PredictRequest.Builder b = PredictRequest.newBuilder().setRequestId("item-" + i);
            if (i == 250) {
                b.setText(StructureText.newBuilder().setName("broken.jsonl").setFormat(Format.JSONL).setContent("{\"lattice\": [[1,0"));
            } else if (i == 500) {
                b.setText(StructureText.newBuilder().setName("unknown.jsonl").setFormat(Format.JSONL)
                        .setContent("{\"lattice\": [[4,0,0],[0,4,0],[0,0,4]], \"species\": [\"Xx\"], \"frac_coords\": [[0,0,0]]}"));
            } else if (i == 750) {
                b.setExplicit(ExplicitStructure.newBuilder().setName("overlap").addAllLattice(List.of(4.0, 0.0, 0.0, 0.0, 4.0, 0.0, 0.0, 0.0, 4.0))
                        .addSpecies("Fe").addSpecies("O").addAllFracCoords(List.of(0.0, 0.0, 0.0, 0.01, 0.0, 0.0)));
            } else {
                b.setText(StructureText.newBuilder().setName("sample:" + (i % lines.size())).setFormat(Format.JSONL).setContent(lines.get(i % lines.size())));
            }
            reqs.add(b.build());
        }
        List<PredictResponse> out = ts.client.predictStream(Source.from(reqs)).runWith(Sink.seq(), ts.clientSystem)
                .toCompletableFuture().get(120, TimeUnit.SECONDS);
        assertEquals(1000, out.size());
        int ok = 0;
        for (int i = 0; i < 1000; i++) {
            PredictResponse r = out.get(i);
            assertEquals("item-" + i, r.getRequestId(), "input order");
            if (i == 250 || i == 500 || i == 750) {
                assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT.value(), r.getStatus().getCode());
                continue;
            }
            assertEquals(0, r.getStatus().getCode(), r.getStatus().getMessage());
            assertTrue(r.getStructures(0).getSitesCount() > 0);
            ok++;
        }
        assertEquals(997, ok);
        assertTrue(out.get(250).getStatus().getMessage().startsWith("broken.jsonl:1") && out.get(250).getStatus().getMessage().contains("not valid JSON"), out.get(250).getStatus().getMessage());
        assertEquals("SYNTAX", out.get(250).getStatus().getKind());
        assertEquals("UNKNOWN_ELEMENT", out.get(500).getStatus().getKind());
        assertTrue(out.get(500).getStatus().getMessage().contains("Xx"), out.get(500).getStatus().getMessage());
        assertEquals("OVERLAPPING_ATOMS", out.get(750).getStatus().getKind());
        assertTrue(out.get(750).getStatus().getMessage().startsWith("overlap:"), out.get(750).getStatus().getMessage());
        // the same structure gives the same values wherever it sits in the stream
        assertEquals(out.get(3).getStructures(0).getSites(0).getValues(0), out.get(503).getStructures(0).getSites(0).getValues(0), 1e-5);
    }

    @Test
    void completionOrderAnswersEveryIdOnce() throws Exception {
        List<String> lines = TestServer.sampleLines();
        List<PredictRequest> reqs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            reqs.add(PredictRequest.newBuilder().setRequestId("c" + i).setOrder(ResponseOrder.COMPLETION_ORDER)
                    .setText(StructureText.newBuilder().setFormat(Format.JSONL).setContent(lines.get(i))).build());
        }
        List<PredictResponse> out = ts.client.predictStream(Source.from(reqs)).runWith(Sink.seq(), ts.clientSystem)
                .toCompletableFuture().get(60, TimeUnit.SECONDS);
        Set<String> ids = new HashSet<>();
        out.forEach(r -> {
            assertEquals(0, r.getStatus().getCode(), r.getStatus().getMessage());
            ids.add(r.getRequestId());
        });
        assertEquals(200, ids.size());
    }

    @Test
    void unaryErrorsFailTheCallWithTheirCode() {
        Throwable bad = assertThrows(CompletionException.class, () -> predict(TestServer.text("b", "bad.cif", "data_x\n_cell_length_a 3\n")));
        assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, codeOf(bad));
        String description = io.grpc.Status.fromThrowable(bad.getCause()).getDescription();
        assertTrue(description.startsWith("bad.cif"), description);
        Throwable unknown = assertThrows(CompletionException.class, () -> predict(TestServer.text("u", "x.cif", "data_x").toBuilder().setModel("nope").build()));
        assertEquals(io.grpc.Status.Code.NOT_FOUND, codeOf(unknown));
        Throwable version = assertThrows(CompletionException.class,
                () -> predict(TestServer.text("v", "x.cif", "data_x").toBuilder().setModel("magmom").setModelVersion(1).build()));
        assertEquals(io.grpc.Status.Code.NOT_FOUND, codeOf(version));
        assertTrue(io.grpc.Status.fromThrowable(version.getCause()).getDescription().contains("on disk but not active"));
        Throwable empty = assertThrows(CompletionException.class, () -> predict(PredictRequest.newBuilder().setRequestId("e").build()));
        assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, codeOf(empty));
    }

    @Test
    void aFileWithSeveralStructuresAnswersEachWithItsOwnStatus() {
        String two = "{\"id\":\"a\",\"lattice\":[[4,0,0],[0,4,0],[0,0,4]],\"species\":[\"Fe\"],\"frac_coords\":[[0,0,0]]}\n"
                + "{\"id\":\"b\",\"lattice\":[[4,0,0],[0,4,0],[0,0,4]],\"species\":[\"Q\"],\"frac_coords\":[[0,0,0]]}\n";
        PredictResponse r = predict(PredictRequest.newBuilder().setRequestId("two")
                .setText(StructureText.newBuilder().setName("two.jsonl").setContent(two)).build());
        assertEquals(2, r.getStructuresCount());
        assertEquals(0, r.getStructures(0).getStatus().getCode());
        assertEquals("two.jsonl#a", r.getStructures(0).getName());
        assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT.value(), r.getStructures(1).getStatus().getCode());
        assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT.value(), r.getStatus().getCode(), "the response names the first failure");
    }

    @Test
    void theOtherModelIsChosenByName() throws Exception {
        Path cif = TestVectors.input("cod-1000041.cif");
        PredictResponse r = predict(TestServer.text("d", "nacl.cif", Files.readString(cif)).toBuilder().setModel("ddec-charge").build());
        assertEquals("ddec-charge", r.getModel());
        assertEquals(List.of("e"), r.getUnitsList());
        float na = r.getStructures(0).getSites(0).getValues(0);
        assertTrue(na > 0.3 && na < 1.5, "a Na site carries a positive charge: " + na);

        PredictResponse e = predict(TestServer.text("e", "nacl.cif", Files.readString(cif)).toBuilder().setModel("magmom-ensemble").build());
        assertEquals(0, e.getStatus().getCode(), e.getStatus().getMessage());
        assertTrue(e.getStructures(0).getSitesList().stream().allMatch(site -> site.getUncertaintyCount() == 1 && site.getUncertainty(0) >= 0),
                "the shipped ensemble gives one standard deviation per site and property");
        assertEquals(6, e.getModelVersion(), "magmom-ensemble v6 (v5 with its one-sided interval) is served");
        assertTrue(e.getStructures(0).getSitesList().stream().allMatch(site -> site.getIntervalLowCount() == 1 && site.getIntervalHighCount() == 1
                && site.getIntervalLow(0) >= 0 && site.getIntervalLow(0) <= site.getValues(0) && site.getValues(0) <= site.getIntervalHigh(0)),
                "the shipped ensemble gives each site a one-sided interval around its value, never below 0");
    }

    @Test
    void whatTheReaderAssumedComesBackAsAWarning() throws Exception {
        // a CIF that names its space group and lists no operations: built from the symbol, and said so
        PredictResponse r = predict(TestServer.text("sg", "c2m.cif", Files.readString(Path.of("src/test/resources/cif-symbols/c2m.cif"))));
        assertEquals(0, r.getStatus().getCode(), r.getStatus().getMessage());
        assertEquals(16, r.getStructures(0).getSitesCount());
        assertEquals(1, r.getStructures(0).getWarningsCount());
        assertTrue(r.getStructures(0).getWarnings(0).contains("were built from the Hermann-Mauguin symbol"), r.getStructures(0).getWarnings(0));
        // a file that assumes nothing has no warning
        PredictResponse plain = predict(TestServer.text("nacl", "nacl.cif", Files.readString(TestVectors.input("cod-1000041.cif"))));
        assertEquals(0, plain.getStructures(0).getWarningsCount());
    }

    @Test
    void metricsCountRequestsAtomsAndBatches() throws Exception {
        predict(TestServer.text("m", "nacl.cif", Files.readString(TestVectors.input("cod-1000041.cif"))));
        String text = ts.metrics();
        assertTrue(ts.metric("persite_requests_total{code=\"OK\",model=\"magmom\",rpc=\"Predict\"}") >= 1, text);
        assertEquals(1.0, ts.metric("persite_model_info{model=\"magmom\",sha256=\"" + ts.server.registry().describe("magmom").model().sha256()
                + "\",version=\"9\"}"), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("persite_build_info{") && l.contains("commit=") && l.contains("onnxruntime=\"1.")
                && l.endsWith(" 1.0")), text);
        assertTrue(ts.metric("persite_atoms_predicted_total{model=\"magmom\"}") >= 8, text);
        assertEquals(9.0, ts.metric("persite_model_active_version{model=\"magmom\"}"));
        assertTrue(text.lines().anyMatch(l -> l.startsWith("persite_stage_duration_seconds_bucket{") && l.contains("model=\"magmom\"")
                && l.contains("stage=\"inference\"")), text);
        assertTrue(text.contains("persite_batch_padding_efficiency_count"), text);
        for (String stage : new String[] {"parse", "graph", "inference", "respond"}) { // each stage's CPU, from its thread's clock
            assertTrue(ts.metric("persite_stage_cpu_seconds_total{stage=\"" + stage + "\"}") > 0, stage + ": " + text);
        }
        assertTrue(text.contains("persite_queue_atoms{model=\"magmom\"}"), text);
        assertTrue(text.contains("process_resident_memory_bytes") || text.contains("jvm_memory_used_bytes"), "JVM/process metrics");
        assertFalse(text.isEmpty());
        // only /metrics answers with the metrics: a probe at another path gets 404, not a misleading 200
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        for (String path : new String[] {"/healthz", "/ready", "/v2/health/ready", "/"}) {
            java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                    + ts.server.metricsPort() + path)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(404, r.statusCode(), path + ": " + r.body());
        }
    }
}
