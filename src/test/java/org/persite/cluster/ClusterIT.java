package org.persite.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.persite.api.v1.ActivateRequest;
import org.persite.api.v1.AdminClient;
import org.persite.api.v1.Format;
import org.persite.api.v1.GetModelRequest;
import org.persite.api.v1.ModelInfo;
import org.persite.api.v1.PerSiteClient;
import org.persite.api.v1.PredictRequest;
import org.persite.api.v1.PredictResponse;
import org.persite.api.v1.StructureText;
import org.persite.graph.CellListOverlapFinder;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.inference.Buckets;
import org.persite.inference.Device;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.structure.ParseResult;
import org.persite.structure.Structure;
import org.persite.structure.StructureLimits;
import org.persite.structure.StructureReader;

/**
 * Cluster mode with three real persite processes on loopback, one models folder, and a client in this JVM. The
 * tests run in order on one cluster: it loses a node to SIGKILL in a stream, swaps versions under a stream, gets the
 * node back, loses it again during a swap's phase 1, and lets another leave gracefully. Every answer's values are
 * checked against the model version it names, computed here by ONNX Runtime from that version's own files.
 */
@Tag("cluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path SAMPLE = ROOT.resolve("data/mp_magmom_tmo/sample_500/cif");
    private static final String TOKEN = "cluster-test-token";

    private Path dir;
    private Path models;
    private ClusterNodes cluster;
    private ActorSystem<Void> client;
    private final List<String> names = new ArrayList<>();
    private final List<byte[]> cifs = new ArrayList<>();
    /** Per version: per distinct structure, the expected site values (computed lazily, here). */
    private final Map<Integer, Map<Integer, float[]>> expected = new ConcurrentHashMap<>();
    private final Map<Integer, OnnxInferenceEngine> engines = new HashMap<>();
    private final Map<Integer, LoadedModel> loaded = new HashMap<>();
    private List<Structure> structures;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("persite-cluster-it");
        models = dir.resolve("models");
        copy(ROOT.resolve("models/magmom/1"), models.resolve("magmom/1")); // v2 arrives later, for the swap
        try (Stream<Path> files = Files.list(SAMPLE)) {
            for (Path f : files.sorted().toList()) {
                names.add(f.getFileName().toString());
                cifs.add(Files.readAllBytes(f));
            }
        }
        StructureReader reader = new StructureReader(StructureLimits.DEFAULTS, CellListOverlapFinder.INSTANCE);
        structures = new ArrayList<>();
        for (int i = 0; i < cifs.size(); i++) {
            structures.add(((ParseResult.Parsed) reader.read(names.get(i), org.persite.structure.Format.CIF, cifs.get(i)).get(0)).value().structure());
        }
        for (int v : new int[] {1, 2}) {
            loaded.put(v, ModelDirectory.load(ROOT.resolve("models/magmom/" + v)));
            engines.put(v, OnnxInferenceEngine.open(loaded.get(v), Device.CPU, false, 1));
        }
        cluster = new ClusterNodes(dir, models, 3, List.of());
        cluster.startAll();
        client = ActorSystem.create(Behaviors.empty(), "cluster-it-client");
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (client != null) {
            client.terminate();
        }
        engines.values().forEach(OnnxInferenceEngine::close);
    }

    @Test
    @Order(1)
    void threeNodesStartAndSeeEachOther() throws Exception {
        for (ClusterNodes.Node n : cluster.nodes) {
            assertTrue(awaitMetric(n, "persite_cluster_members{status=\"up\"}", 3, 60), "node " + n.index + " sees 3 members up:\n" + metrics(n));
        }
        // what `persite models list --server` prints: every node's own versions, from any node. A node's control actor
        // registers with the receptionist, whose listing spreads by gossip a moment after the member is up (seen on a
        // loaded 2-core machine: 2 of 3 listed right after all were up): such a node is listed as up and not registered
        // yet, never left out, and its versions are awaited, up to 30 s
        org.persite.api.v1.ListModelsResponse listed = null;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        do {
            if (listed != null) {
                Thread.sleep(250);
            }
            listed = admin(cluster.nodes.get(1)).listVersions().addHeader("authorization", "Bearer " + TOKEN)
                    .invoke(org.persite.api.v1.ListModelsRequest.getDefaultInstance()).toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(cluster.nodes.size(), listed.getNodesCount(), "every member that is up is listed: " + listed);
        } while (listed.getNodesList().stream().anyMatch(n -> n.getModelsList().contains(ClusterNode.NOT_REGISTERED_YET))
                && System.nanoTime() < until);
        assertEquals(cluster.nodes.stream().map(ClusterNodes.Node::address).sorted().toList(),
                listed.getNodesList().stream().map(org.persite.api.v1.NodeModels::getAddress).toList());
        for (var node : listed.getNodesList()) {
            assertEquals(List.of("magmom: v1 active"), node.getModelsList(), node.getAddress());
            assertEquals(List.of("front", "worker"), node.getRolesList());
        }
    }

    @Test
    @Order(2)
    void aStreamLosesAWorkerToSigkillAndEveryResultArrivesExactlyOnce() throws Exception {
        ClusterNodes.Node victim = cluster.nodes.get(2);
        List<PredictResponse> out = stream(cluster.nodes.get(0), 20_000, answered -> {
            if (answered == 3_000) {
                try {
                    victim.kill();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        assertFalse(victim.process.isAlive());
        Set<String> servedBy = assertExactlyOnceAllOk(out, 20_000);
        assertTrue(servedBy.size() >= 2, "served by " + servedBy);
        assertTrue(servedBy.contains(victim.address()), "the killed node had answered some before it died: " + servedBy);
        assertValuesOfTheirVersion(out);
        // the dead node is downed by the Split Brain Resolver and removed
        assertTrue(awaitMetric(cluster.nodes.get(0), "persite_cluster_members{status=\"up\"}", 2, 60), metrics(cluster.nodes.get(0)));
    }

    @Test
    @Order(3)
    void aSwapUnderAStreamHasNoFailuresAndNoResponseMixesVersions() throws Exception {
        copy(ROOT.resolve("models/magmom/2"), models.resolve("magmom/2"));
        ClusterNodes.Node front = cluster.nodes.get(0);
        ClusterNodes.Node other = cluster.nodes.get(1);
        CompletableFuture<ModelInfo> swap = new CompletableFuture<>();
        List<PredictResponse> out = stream(front, 15_000, answered -> { // the swap (about 7 s here) happens well inside the stream
            if (answered == 500) {
                admin(other).activate().addHeader("authorization", "Bearer " + TOKEN)
                        .invoke(ActivateRequest.newBuilder().setModel("magmom").setVersion(2).build()).whenComplete((info, e) -> {
                            if (e != null) {
                                swap.completeExceptionally(e);
                            } else {
                                swap.complete(info);
                            }
                        });
            }
        });
        assertEquals(2, swap.get(120, TimeUnit.SECONDS).getVersion());
        assertExactlyOnceAllOk(out, 15_000);
        assertValuesOfTheirVersion(out);
        Set<Integer> versions = new HashSet<>();
        out.forEach(r -> versions.add(r.getModelVersion()));
        assertEquals(Set.of(1, 2), versions, "the stream went on across the swap");
        // after Activate returned: every node serves v2 to new requests, streams and unary calls alike
        for (ClusterNodes.Node n : List.of(front, other)) {
            PredictResponse unary = perSite(n).predict(request(0, "after-swap")).toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertEquals(2, unary.getModelVersion(), "node " + n.index);
            assertEquals(n.address(), unary.getServedBy());
            assertEquals(2, perSite(n).getModel(GetModelRequest.newBuilder().setName("magmom").build()).toCompletableFuture().get(30, TimeUnit.SECONDS)
                    .getVersion());
            List<PredictResponse> s = stream(n, 64, x -> {
            });
            s.forEach(r -> assertEquals(2, r.getModelVersion(), "a new stream on node " + n.index));
        }
    }

    @Test
    @Order(4)
    void aWorkerKilledDuringPhaseOneAbortsTheSwapAndTheOldVersionServesOn() throws Exception {
        ClusterNodes.Node victim = cluster.nodes.get(2);
        cluster.restart(victim); // a new incarnation joins (and serves the active v2: the models folder records it)
        for (ClusterNodes.Node n : List.of(cluster.nodes.get(0), cluster.nodes.get(1))) {
            assertTrue(awaitMetric(n, "persite_cluster_members{status=\"up\"}", 3, 60), metrics(n));
        }
        ClusterNodes.Node front = cluster.nodes.get(0);
        CompletableFuture<ModelInfo> swap = admin(front).activate().addHeader("authorization", "Bearer " + TOKEN)
                .invoke(ActivateRequest.newBuilder().setModel("magmom").setVersion(1).setForce(true).build()).toCompletableFuture();
        // the coordinator (the oldest node) says phase 1 has begun: the victim stops answering at once, then dies
        assertTrue(ClusterNodes.awaitLog(front, "magmom v1 on 3 nodes: phase 1", 30), front.log());
        victim.pause();
        victim.kill();
        Throwable refused = null;
        try {
            swap.get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            refused = e.getCause();
        }
        assertTrue(refused != null && refused.getMessage().contains("aborted"), "the swap was aborted: " + refused);
        for (ClusterNodes.Node n : List.of(cluster.nodes.get(0), cluster.nodes.get(1))) {
            PredictResponse unary = perSite(n).predict(request(1, "after-abort")).toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertEquals(2, unary.getModelVersion(), "the old version serves on, node " + n.index);
            List<PredictResponse> s = stream(n, 64, x -> {
            });
            s.forEach(r -> assertEquals(2, r.getModelVersion()));
        }
    }

    @Test
    @Order(5)
    void aGracefulLeaveDrainsTheNodesWork() throws Exception {
        ClusterNodes.Node front = cluster.nodes.get(0);
        ClusterNodes.Node leaving = cluster.nodes.get(1);
        assertTrue(awaitMetric(front, "persite_cluster_members{status=\"up\"}", 2, 60), metrics(front));
        List<PredictResponse> out = stream(front, 6_000, answered -> {
            if (answered == 1_500) {
                try {
                    leaving.terminate();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        Set<String> servedBy = assertExactlyOnceAllOk(out, 6_000);
        assertTrue(servedBy.contains(leaving.address()), servedBy.toString());
        assertValuesOfTheirVersion(out);
        assertTrue(leaving.process.waitFor(120, TimeUnit.SECONDS), "the leaving node exits");
        String log = leaving.log();
        assertTrue(log.contains("drained: every slot's job in hand is answered") || log.contains("draining: 0 slots"), log);
        assertTrue(log.contains("PersiteServer - stopped"), log);
        assertTrue(awaitMetric(front, "persite_cluster_members{status=\"up\"}", 1, 60), metrics(front));
    }

    // ---- helpers

    /** Streams {@code count} structures (the 500 CIFs over and over) to a node; {@code onAnswer} sees the running count. */
    private List<PredictResponse> stream(ClusterNodes.Node n, int count, IntConsumer onAnswer) throws Exception {
        AtomicInteger answered = new AtomicInteger();
        Source<PredictRequest, org.apache.pekko.NotUsed> requests = Source.range(0, count - 1).map(i -> request(i, "r" + i));
        return perSite(n).predictStream(requests).map(r -> {
            onAnswer.accept(answered.incrementAndGet());
            return r;
        }).runWith(Sink.seq(), client).toCompletableFuture().get(600, TimeUnit.SECONDS);
    }

    private PredictRequest request(int i, String id) {
        int k = i % cifs.size();
        return PredictRequest.newBuilder().setRequestId(id + "#" + k).setText(StructureText.newBuilder().setName(names.get(k)).setFormat(Format.CIF)
                .setContentBytes(ByteString.copyFrom(cifs.get(k)))).build();
    }

    /** Each request answered once, every answer OK and naming its node; returns the nodes that answered. */
    private static Set<String> assertExactlyOnceAllOk(List<PredictResponse> out, int count) {
        assertEquals(count, out.size());
        Set<String> ids = new HashSet<>();
        Set<String> servedBy = new HashSet<>();
        for (PredictResponse r : out) {
            assertTrue(ids.add(r.getRequestId()), "answered twice: " + r.getRequestId());
            assertEquals(0, r.getStatus().getCode(), r.getRequestId() + ": " + r.getStatus().getMessage());
            assertFalse(r.getServedBy().isEmpty(), r.getRequestId());
            servedBy.add(r.getServedBy());
        }
        return servedBy;
    }

    /** Every answer's values equal those that the version it names computes, here, for its structure. */
    private void assertValuesOfTheirVersion(List<PredictResponse> out) {
        for (PredictResponse r : out) {
            int k = Integer.parseInt(r.getRequestId().substring(r.getRequestId().indexOf('#') + 1));
            float[] want = expected(r.getModelVersion(), k);
            var sites = r.getStructures(0).getSitesList();
            assertEquals(want.length, sites.size(), r.getRequestId());
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], sites.get(i).getValues(0), 1e-4, r.getRequestId() + " site " + i + " (v" + r.getModelVersion() + ")");
            }
        }
    }

    private float[] expected(int version, int k) {
        return expected.computeIfAbsent(version, v -> new ConcurrentHashMap<>()).computeIfAbsent(k, x -> {
            LoadedModel m = loaded.get(version);
            synchronized (engines) {
                try {
                    return engines.get(version).predictOne(new CrystalGraphBuilder(m.spec().featurizer()).build(structures.get(k)), Buckets.defaults());
                } catch (org.persite.inference.InferenceException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
    }

    private PerSiteClient perSite(ClusterNodes.Node n) {
        return PerSiteClient.create(GrpcClientSettings.connectToServiceAt("127.0.0.1", n.grpcPort, client).withTls(false), client);
    }

    private AdminClient admin(ClusterNodes.Node n) {
        return AdminClient.create(GrpcClientSettings.connectToServiceAt("127.0.0.1", n.grpcPort, client).withTls(false), client);
    }

    private static String metrics(ClusterNodes.Node n) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.metricsPort + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "(no metrics: " + e + ")";
        }
    }

    private static boolean awaitMetric(ClusterNodes.Node n, String series, double value, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            for (String line : metrics(n).lines().toList()) {
                if (line.startsWith(series + " ") && Double.parseDouble(line.substring(series.length() + 1)) == value) {
                    return true;
                }
            }
            Thread.sleep(250);
        }
        return false;
    }

    private static void copy(Path from, Path to) throws java.io.IOException {
        org.persite.testing.Trees.copy(from, to);
    }
}
