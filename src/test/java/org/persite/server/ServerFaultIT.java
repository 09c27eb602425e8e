package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.api.v1.ActivateRequest;
import org.persite.api.v1.AdminClient;
import org.persite.api.v1.PerSiteClient;
import org.persite.api.v1.PredictResponse;
import org.persite.testing.ServerProcess;
import org.persite.testing.Trees;

/**
 * Faults injected while serving that need the server in its own JVM (issue 16, sections 2.3 and 2.5): a SIGKILL in
 * the middle of hot swaps, then a restart; and a stream of the largest structures the server accepts at the
 * largest window it allows, under a small heap that ends the JVM on an {@code OutOfMemoryError}.
 */
class ServerFaultIT {
    private static final String TOKEN = "server-fault-token-0123";
    private static ActorSystem<Void> client;

    @TempDir
    Path tmp;

    @BeforeAll
    static void clientSystem() {
        client = ActorSystem.create(Behaviors.empty(), "fault-it-client");
    }

    @AfterAll
    static void stopClient() {
        client.terminate();
    }

    private static GrpcClientSettings at(int port) {
        return GrpcClientSettings.connectToServiceAt("127.0.0.1", port, client).withTls(false);
    }

    /**
     * Hot swaps back and forth between v1 and v2 while a stream is served, and a SIGKILL at a different point of a swap
     * in each round: while the new version loads, while it is warmed and checked, just as it goes live. After each
     * kill the server restarts and must serve either the last version whose swap was acknowledged or the one whose
     * swap was under way, and its active.json must say the same.
     */
    @Test
    void aSigkillDuringAHotSwapRestartsOnAConsistentVersion() throws Exception {
        Path models = tmp.resolve("models");
        Trees.copy(Path.of("models/magmom/1"), models.resolve("magmom/1"));
        Trees.copy(Path.of("models/magmom/2"), models.resolve("magmom/2"));
        List<String> lines = TestServer.sampleLines();
        Map<String, String> env = Map.of("PERSITE_ADMIN_TOKEN", TOKEN);
        List<String> jvm = List.of("-Xmx1g");
        int served = 2; // no active.json yet: the newest
        long swapNanos = 0;
        double[] killAt = {0.15, 0.4, 0.65, 0.9, 1.05}; // fractions of one measured swap
        for (int round = 0; round <= killAt.length; round++) {
            try (ServerProcess s = ServerProcess.start(models, tmp.resolve("server" + round + ".log"), jvm, env)) {
                PerSiteClient predict = PerSiteClient.create(at(s.grpcPort), client);
                AdminClient admin = AdminClient.create(at(s.grpcPort), client);
                PredictResponse first = predict.predict(TestServer.jsonl("first", lines.get(0))).toCompletableFuture().get(60, TimeUnit.SECONDS);
                assertEquals(0, first.getStatus().getCode(), first.getStatus().getMessage());
                assertEquals(served, first.getModelVersion(), "round " + round + ": the restarted server serves the version it recorded");
                assertEquals(served, recordedVersion(models), "active.json names the version served");
                if (round == killAt.length) {
                    break;
                }
                AtomicInteger answered = new AtomicInteger();
                CompletableFuture<List<PredictResponse>> stream = predict.predictStream(Source.range(0, 100_000)
                        .map(i -> TestServer.jsonl("s" + i, lines.get(i % lines.size())))).map(r -> {
                            answered.incrementAndGet();
                            return r;
                        }).runWith(Sink.seq(), client).toCompletableFuture();
                int target = served == 1 ? 2 : 1;
                if (round == 0) { // one swap measured to the end, and one back: how long a swap takes here
                    long t0 = System.nanoTime();
                    assertEquals(target, activate(admin, target));
                    swapNanos = System.nanoTime() - t0;
                    assertEquals(served, activate(admin, served));
                    System.out.printf("ServerFaultIT: one hot swap takes %.2f s here%n", swapNanos / 1e9);
                }
                long delay = (long) (killAt[round] * swapNanos);
                CompletableFuture<org.persite.api.v1.ModelInfo> swap = admin.activate().addHeader("authorization", "Bearer " + TOKEN)
                        .invoke(ActivateRequest.newBuilder().setModel("magmom").setVersion(target).setForce(true).build()).toCompletableFuture();
                TimeUnit.NANOSECONDS.sleep(delay);
                boolean acknowledged = swap.isDone() && !swap.isCompletedExceptionally();
                s.kill();
                assertTrue(answered.get() > 0, "the stream was served during the swap");
                Set<Integer> allowed = acknowledged ? Set.of(target) : Set.of(served, target);
                int recorded = recordedVersion(models);
                assertTrue(allowed.contains(recorded), "round " + round + ": recorded v" + recorded + ", expected one of " + allowed);
                System.out.printf("ServerFaultIT: round %d killed %.0f ms into a swap v%d -> v%d (%s); recorded v%d, %d answered%n", round, delay / 1e6,
                        served, target, acknowledged ? "acknowledged" : "not acknowledged", recorded, answered.get());
                served = recorded;
                stream.handle((r, e) -> null).get(30, TimeUnit.SECONDS);
                predict.close();
                admin.close();
            }
        }
        try (var left = Files.list(models.resolve("magmom"))) {
            assertEquals(Set.of("1", "2", "active.json"), left.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".tmp"))
                    .collect(java.util.stream.Collectors.toSet()), "nothing else became a version or a record");
        }
    }

    private static int recordedVersion(Path models) throws Exception {
        org.persite.model.ModelDirectory.ActiveVersion a = org.persite.model.ModelDirectory.readActive(models.resolve("magmom"));
        return a == null ? 2 : a.version();
    }

    private static int activate(AdminClient admin, int version) throws Exception {
        return admin.activate().addHeader("authorization", "Bearer " + TOKEN)
                .invoke(ActivateRequest.newBuilder().setModel("magmom").setVersion(version).setForce(true).build()).toCompletableFuture()
                .get(120, TimeUnit.SECONDS).getVersion();
    }

    /**
     * 5,000-atom structures (persite.structure.max-atoms) filling a stream's window of 64 (max-in-flight-per-stream)
     * in a server whose heap is 256 MiB and that exits on an OutOfMemoryError: every structure is answered, in full.
     */
    @Test
    void aStreamOfFiveThousandAtomStructuresAtTheWindowLimitIsServedInASmallHeap() throws Exception {
        String big = rockSalt(10, 10, 50); // 5,000 sites
        int count = 160;
        try (ServerProcess s = ServerProcess.start(Path.of("models").toAbsolutePath(), tmp.resolve("big.log"),
                List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"), Map.of())) {
            PerSiteClient predict = PerSiteClient.create(at(s.grpcPort), client);
            long t0 = System.nanoTime();
            List<PredictResponse> out = predict.predictStream(Source.range(1, count).map(i -> TestServer.jsonl("big" + i, big)))
                    .runWith(Sink.seq(), client).toCompletableFuture().get(900, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertEquals(count, out.size());
            for (PredictResponse r : out) {
                assertEquals(0, r.getStatus().getCode(), r.getRequestId() + ": " + r.getStatus().getMessage());
                assertEquals(5_000, r.getStructures(0).getSitesCount());
                assertTrue(Float.isFinite(r.getStructures(0).getSites(4_999).getValues(0)));
            }
            assertTrue(s.process.isAlive(), s.output());
            assertFalse(s.output().contains("OutOfMemoryError"), s.output());
            System.out.printf("ServerFaultIT: %d structures of 5,000 atoms in %.1f s (%.0f atoms/s) with -Xmx256m; peak resident %.0f MiB%n", count,
                    seconds, count * 5_000 / seconds, s.peakResidentMb());
            predict.close();
        }
    }

    /** A rock-salt arrangement of nx x ny x nz sites 2.1 Å apart (Fe and O alternating), as one JSON Lines record. */
    static String rockSalt(int nx, int ny, int nz) throws Exception {
        double a = 2.1;
        List<String> species = new ArrayList<>();
        List<double[]> frac = new ArrayList<>();
        for (int i = 0; i < nx; i++) {
            for (int j = 0; j < ny; j++) {
                for (int k = 0; k < nz; k++) {
                    species.add((i + j + k) % 2 == 0 ? "Fe" : "O");
                    frac.add(new double[] {(double) i / nx, (double) j / ny, (double) k / nz});
                }
            }
        }
        Map<String, Object> rec = Map.of("id", "rocksalt-" + species.size(), "lattice",
                List.of(List.of(a * nx, 0, 0), List.of(0, a * ny, 0), List.of(0, 0, a * nz)), "species", species, "frac_coords", frac);
        return new ObjectMapper().writeValueAsString(rec);
    }
}
