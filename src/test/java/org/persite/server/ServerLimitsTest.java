package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.Test;
import org.persite.api.v1.Format;
import org.persite.api.v1.PerSiteGrpc;
import org.persite.api.v1.PredictRequest;
import org.persite.api.v1.PredictResponse;
import org.persite.api.v1.StructureText;

/**
 * Limits, deadlines and cancellation, each on a server configured to make the situation certain: a batcher
 * that waits 300 ms for company holds work long enough for a deadline to pass or a client to leave.
 */
class ServerLimitsTest {
    /** A batcher that flushes only after 300 ms (or 16,384 atoms): work sits in its queue. */
    private static final Map<String, Object> SLOW = Map.of("persite.inference.max-queue-delay", "300ms",
            "persite.inference.max-batch-atoms", 16384, "persite.inference.max-queue-atoms", 65536, "persite.inference.flush-when-idle", "off");

    private static PredictRequest sample(String id, String line) {
        return PredictRequest.newBuilder().setRequestId(id).setText(StructureText.newBuilder().setFormat(Format.JSONL).setContent(line)).build();
    }

    private static Status.Code codeOf(Throwable t) {
        return Status.fromThrowable(t instanceof CompletionException ? t.getCause() : t).getCode();
    }

    @Test
    void aCancelledStreamStopsBeingComputed() throws Exception {
        Map<String, Object> cfg = new java.util.HashMap<>(SLOW);
        cfg.put("persite.server.max-in-flight-per-stream", 4);
        try (TestServer ts = TestServer.start(cfg)) {
            List<String> lines = TestServer.sampleLines();
            List<PredictRequest> reqs = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                reqs.add(sample("s" + i, lines.get(i)));
            }
            // take two answers, then cancel the call
            List<PredictResponse> got = ts.client.predictStream(Source.from(reqs)).take(2).runWith(Sink.seq(), ts.clientSystem)
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(2, got.size());
            Thread.sleep(1500); // more than the batcher's 300 ms: whatever was queued has been flushed or dropped
            double predicted = ts.metric("persite_structures_predicted_total{model=\"magmom\"}");
            double cancelled = ts.metric("persite_structures_refused_total{reason=\"CANCELLED\"}");
            assertTrue(predicted <= 12, "at most a few windows were computed, not the 400 sent: " + predicted);
            assertTrue(cancelled >= 1, "the queued items of the cancelled stream were dropped: " + ts.metrics());
            Thread.sleep(700);
            assertEquals(predicted, ts.metric("persite_structures_predicted_total{model=\"magmom\"}"), "nothing more is computed");
        }
    }

    @Test
    void deadlinesDropWorkBeforeItIsComputed() throws Exception {
        try (TestServer ts = TestServer.start(SLOW)) {
            String line = TestServer.sampleLines().get(0);
            // the request's own timeout_ms
            Throwable t = assertThrows(CompletionException.class,
                    () -> ts.client.predict(sample("t", line).toBuilder().setTimeoutMs(50).build()).toCompletableFuture().join());
            assertEquals(Status.Code.DEADLINE_EXCEEDED, codeOf(t));
            // the call's gRPC deadline (grpc-timeout), from a plain grpc-java client
            ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", ts.port()).usePlaintext().build();
            try {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                        () -> PerSiteGrpc.newBlockingStub(ch).withDeadlineAfter(100, TimeUnit.MILLISECONDS).predict(sample("g", line)));
                assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
            } finally {
                ch.shutdownNow();
            }
            Thread.sleep(800);
            assertEquals(2.0, ts.metric("persite_structures_refused_total{reason=\"DEADLINE_EXCEEDED\"}"), ts.metrics());
            assertEquals(0.0, ts.metric("persite_structures_predicted_total{model=\"magmom\"}"), "neither was computed");
        }
    }

    /** A simple-cubic iron block of nx·ny·nz atoms (a = 2.5 Å), as a JSON line. */
    private static String block(int nx, int ny, int nz) {
        StringBuilder species = new StringBuilder();
        StringBuilder frac = new StringBuilder();
        for (int i = 0; i < nx; i++) {
            for (int j = 0; j < ny; j++) {
                for (int k = 0; k < nz; k++) {
                    species.append(species.length() == 0 ? "" : ",").append("\"Fe\"");
                    frac.append(frac.length() == 0 ? "" : ",").append(String.format(java.util.Locale.ROOT, "[%.6f,%.6f,%.6f]",
                            (double) i / nx, (double) j / ny, (double) k / nz));
                }
            }
        }
        return String.format(java.util.Locale.ROOT, "{\"lattice\":[[%f,0,0],[0,%f,0],[0,0,%f]],\"species\":[%s],\"frac_coords\":[%s]}",
                2.5 * nx, 2.5 * ny, 2.5 * nz, species, frac);
    }

    @Test
    void overloadIsRefusedAtOnceWithResourceExhausted() throws Exception {
        // the queue holds 16,384 atoms and flushes after 1 s: three 5,000-atom structures wait, a fourth does not fit
        try (TestServer ts = TestServer.start(Map.of("persite.inference.max-queue-delay", "1s", "persite.inference.max-batch-atoms", 16384,
                "persite.inference.max-queue-atoms", 16384, "persite.inference.flush-when-idle", "off"))) {
            String big = block(10, 10, 50);
            List<CompletableFuture<PredictResponse>> calls = new ArrayList<>();
            List<Long> failedAfterMs = new java.util.concurrent.CopyOnWriteArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < 4; i++) {
                calls.add(ts.client.predict(sample("o" + i, big)).toCompletableFuture().whenComplete((r, e) -> {
                    if (e != null) {
                        failedAfterMs.add((System.nanoTime() - t0) / 1_000_000);
                    }
                }));
            }
            int exhausted = 0;
            int ok = 0;
            for (CompletableFuture<PredictResponse> c : calls) {
                try {
                    assertEquals(5000, c.join().getStructures(0).getSitesCount());
                    ok++;
                } catch (CompletionException e) {
                    assertEquals(Status.Code.RESOURCE_EXHAUSTED, codeOf(e));
                    assertTrue(Status.fromThrowable(e.getCause()).getDescription().contains("max-queue-atoms"));
                    exhausted++;
                }
            }
            assertEquals(3, ok);
            assertEquals(1, exhausted);
            assertTrue(failedAfterMs.get(0) < 900, "the refusal comes at once, not after the 1 s flush: " + failedAfterMs);
        }
    }

    @Test
    void aStreamWaitsForRoomInAFullQueueInsteadOfLosingItems() throws Exception {
        // the same queue of 16,384 atoms: a stream's window of 64 holds six 5,000-atom structures, twice what fits;
        // the ones that find the queue full wait for room, and every one is answered. As above, a batch is held until
        // its delay (3 s here), so the queue stays full while the 4th arrives, however fast the machine infers (without
        // it, a fast machine could drain the queue before any item found it full, and nothing would be tested)
        try (TestServer ts = TestServer.start(Map.of("persite.inference.max-batch-atoms", 16384, "persite.inference.max-queue-atoms", 16384,
                "persite.inference.max-queue-delay", "3s", "persite.inference.flush-when-idle", "off"))) {
            String big = block(10, 10, 50);
            List<PredictResponse> out = ts.client.predictStream(Source.range(1, 6).map(i -> sample("s" + i, big))).runWith(Sink.seq(), ts.clientSystem)
                    .toCompletableFuture().get(120, TimeUnit.SECONDS);
            assertEquals(6, out.size());
            for (PredictResponse r : out) {
                assertEquals(0, r.getStatus().getCode(), r.getRequestId() + ": " + r.getStatus().getMessage());
                assertEquals(5000, r.getStructures(0).getSitesCount());
            }
            assertTrue(ts.metric("persite_queue_waits_total") > 0, "some found the queue full and waited");
        }
    }

    @Test
    void tooManyStreamsAndTooManyUnaryCallsAreRefused() throws Exception {
        Map<String, Object> cfg = new java.util.HashMap<>(SLOW);
        cfg.put("persite.server.max-concurrent-streams", 1);
        cfg.put("persite.server.max-in-flight-unary", 2);
        try (TestServer ts = TestServer.start(cfg)) {
            String line = TestServer.sampleLines().get(0);
            // a stream that stays open
            CompletableFuture<java.util.Optional<PredictRequest>> hold = new CompletableFuture<>();
            Source<PredictRequest, org.apache.pekko.NotUsed> open = Source.single(sample("h", line))
                    .concat(Source.<PredictRequest>maybe().mapMaterializedValue(p -> {
                        hold.thenAccept(p::complete);
                        return org.apache.pekko.NotUsed.getInstance();
                    }));
            CompletableFuture<List<PredictResponse>> first = ts.client.predictStream(open).runWith(Sink.seq(), ts.clientSystem).toCompletableFuture();
            Thread.sleep(300);
            Throwable second = assertThrows(Exception.class, () -> ts.client.predictStream(Source.single(sample("x", line)))
                    .runWith(Sink.seq(), ts.clientSystem).toCompletableFuture().get(10, TimeUnit.SECONDS));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, Status.fromThrowable(second.getCause()).getCode());
            hold.complete(java.util.Optional.empty());
            assertEquals(1, first.get(10, TimeUnit.SECONDS).size());

            List<CompletableFuture<PredictResponse>> calls = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                calls.add(ts.client.predict(sample("u" + i, line)).toCompletableFuture());
            }
            long refused = calls.stream().filter(c -> {
                try {
                    c.join();
                    return false;
                } catch (CompletionException e) {
                    return codeOf(e) == Status.Code.RESOURCE_EXHAUSTED;
                }
            }).count();
            assertEquals(3, refused, "two unary calls in flight at most");
        }
    }

    @Test
    void aMessageOverTheSizeLimitIsRefused() throws Exception {
        try (TestServer ts = TestServer.start(Map.of("persite.server.max-message-bytes", "64KiB"))) {
            String big = "#" + "x".repeat(100_000) + "\n";
            Throwable t = assertThrows(CompletionException.class,
                    () -> ts.client.predict(TestServer.text("big", "big.cif", big)).toCompletableFuture().join());
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, codeOf(t));
            assertTrue(Status.fromThrowable(t.getCause()).getDescription().contains("persite.server.max-message-bytes"));
            // a message just under the limit is read (and refused for what it is, not for its size)
            Throwable ok = assertThrows(CompletionException.class,
                    () -> ts.client.predict(TestServer.text("small", "small.cif", "#" + "x".repeat(60_000) + "\n")).toCompletableFuture().join());
            assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(ok));
            // in a stream, the oversized message gets its own RESOURCE_EXHAUSTED answer and the stream goes on
            String line = TestServer.sampleLines().get(0);
            List<PredictResponse> out = ts.client.predictStream(Source.from(List.of(sample("a", line), TestServer.text("b", "big.cif", big),
                    sample("c", line)))).runWith(Sink.seq(), ts.clientSystem).toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(3, out.size());
            assertEquals("a", out.get(0).getRequestId());
            assertEquals(Status.Code.RESOURCE_EXHAUSTED.value(), out.get(1).getStatus().getCode());
            assertTrue(out.get(1).getStatus().getMessage().contains("100002 bytes") || out.get(1).getStatus().getMessage().contains("exceeds"),
                    out.get(1).getStatus().getMessage());
            assertEquals("c", out.get(2).getRequestId());
            assertEquals(0, out.get(2).getStatus().getCode());
        }
    }

    @Test
    void anOversizedMessageToAnotherRpcEndsThatCallOnly() throws Exception {
        try (TestServer ts = TestServer.start(Map.of("persite.server.max-message-bytes", "4KiB"))) {
            Throwable t = assertThrows(CompletionException.class, () -> ts.client.getModel(
                    org.persite.api.v1.GetModelRequest.newBuilder().setName("x".repeat(10_000)).build()).toCompletableFuture().join());
            assertTrue(codeOf(t) != Status.Code.OK);
            assertEquals("magmom", ts.client.getModel(org.persite.api.v1.GetModelRequest.getDefaultInstance()).toCompletableFuture().join().getName(),
                    "the server goes on");
        }
    }

    @Test
    void predictionCanBePutBehindTheToken() throws Exception {
        try (TestServer ts = TestServer.start(Map.of("persite.server.admin-token", "s3cret-s3cret-s3cret", "persite.server.require-token-for-predict", "on"))) {
            String line = TestServer.sampleLines().get(0);
            Throwable t = assertThrows(CompletionException.class, () -> ts.client.predict(sample("n", line)).toCompletableFuture().join());
            assertEquals(Status.Code.UNAUTHENTICATED, codeOf(t));
            PredictResponse ok = ts.client.predict().addHeader("authorization", "Bearer s3cret-s3cret-s3cret").invoke(sample("y", line)).toCompletableFuture().join();
            assertEquals(0, ok.getStatus().getCode());
        }
    }
}
