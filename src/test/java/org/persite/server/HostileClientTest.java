package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.persite.api.v1.PredictResponse;

/**
 * Hostile clients at the HTTP/2 level (issue 16, section 3): a rapid reset flood (CVE-2023-44487), written frame by
 * frame, while a well-behaved client predicts on its own connection.
 */
class HostileClientTest {
    @Test
    void aRapidResetFloodIsThrottledAndAnotherClientIsServedMeanwhile() throws Exception {
        try (TestServer ts = TestServer.start(Map.of())) {
            String line = TestServer.sampleLines().get(0);
            assertEquals(0, ts.client.predict(TestServer.jsonl("warm", line)).toCompletableFuture().get(60, TimeUnit.SECONDS).getStatus().getCode());
            AtomicBoolean stop = new AtomicBoolean();
            long[] writtenAt = new long[2];
            try (Http2Flood flood = new Http2Flood(ts.port(), "/persite.v1.PerSite/Predict")) {
                Thread attacker = new Thread(() -> {
                    try {
                        while (!stop.get()) {
                            flood.burst(200);
                        }
                    } catch (java.io.IOException closed) {
                        // the socket was closed under a blocked write: the end of the flood
                    }
                }, "rapid-reset");
                attacker.setDaemon(true);
                long t0 = System.nanoTime();
                attacker.start();
                List<Double> latencies = new ArrayList<>();
                Thread.sleep(1000);
                writtenAt[0] = flood.resets.get();
                for (int i = 0; i < 40; i++) {
                    long s = System.nanoTime();
                    PredictResponse r = ts.client.predict(TestServer.jsonl("good" + i, line)).toCompletableFuture().get(60, TimeUnit.SECONDS);
                    latencies.add((System.nanoTime() - s) / 1e6);
                    assertEquals(0, r.getStatus().getCode(), r.getStatus().getMessage());
                    Thread.sleep(50);
                }
                long t1 = System.nanoTime();
                writtenAt[1] = flood.resets.get();
                stop.set(true);
                double seconds = (t1 - t0) / 1e9;
                latencies.sort(null);
                System.out.printf("HostileClientTest: %d streams opened and reset in %.1f s (%.0f/s after the first second: %d); "
                        + "the good client's p50 %.1f ms, max %.1f ms; goaway %s, closed %s%n", writtenAt[1], seconds,
                        (writtenAt[1] - writtenAt[0]) / (seconds - 1), writtenAt[1] - writtenAt[0], latencies.get(20), latencies.get(39), flood.goAway,
                        flood.closedByServer);
                attacker.join(10_000);
                assertTrue(flood.closedByServer, "the server closed the flooding connection (pekko.http.server.http2.frame-type-throttle)");
            }
            PredictResponse after = ts.client.predict(TestServer.jsonl("after", line)).toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertEquals(0, after.getStatus().getCode(), "the server goes on");
        }
    }

    /** A stream of 20,000 tiny messages, each holding nothing to predict: each gets its own answer, in order, and a real one after them is served. */
    @Test
    void thousandsOfTinyMessagesInAStreamAreEachAnsweredAndTheStreamGoesOn() throws Exception {
        try (TestServer ts = TestServer.start(Map.of())) {
            String line = TestServer.sampleLines().get(0);
            int n = 20_000;
            List<PredictResponse> out = ts.client.predictStream(org.apache.pekko.stream.javadsl.Source.range(1, n + 1)
                    .map(i -> i <= n ? org.persite.api.v1.PredictRequest.newBuilder().setRequestId("t" + i).build() : TestServer.jsonl("real", line)))
                    .runWith(org.apache.pekko.stream.javadsl.Sink.seq(), ts.clientSystem).toCompletableFuture().get(300, TimeUnit.SECONDS);
            assertEquals(n + 1, out.size());
            for (int i = 0; i < n; i++) {
                assertEquals("t" + (i + 1), out.get(i).getRequestId());
                assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT.value(), out.get(i).getStatus().getCode());
            }
            assertEquals(0, out.get(n).getStatus().getCode(), out.get(n).getStatus().getMessage());
            assertEquals(line.length() > 0, out.get(n).getStructures(0).getSitesCount() > 0);
        }
    }
}
