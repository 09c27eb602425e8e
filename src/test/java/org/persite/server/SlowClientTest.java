package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.Test;
import org.persite.api.v1.PerSiteGrpc;
import org.persite.api.v1.PredictRequest;
import org.persite.api.v1.PredictResponse;

/**
 * Slow and hostile clients (issue 16, section 3). Each holds a stream without moving it: one sends nothing; others
 * send a thousand requests and never read a response, so HTTP/2 flow control stops the server's replies. With
 * persite.server.stream-idle-timeout = 2s every such stream is ended with DEADLINE_EXCEEDED and its slot freed, and a
 * well-behaved client is served all along.
 */
class SlowClientTest {

    @Test
    void streamsThatDoNotMoveAreEndedAndOthersAreServed() throws Exception {
        List<String> lines = TestServer.sampleLines();
        try (TestServer ts = TestServer.start(Map.of("persite.server.stream-idle-timeout", "2s"))) {
            // a client that opens a stream and sends nothing
            CompletableFuture<List<PredictResponse>> silent = ts.client.predictStream(Source.<PredictRequest>maybe().mapMaterializedValue(m -> org.apache.pekko.NotUsed.getInstance()))
                    .runWith(Sink.seq(), ts.clientSystem).toCompletableFuture();
            // clients that send and never read: grpc-java with no request() for messages
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", ts.port()).usePlaintext().flowControlWindow(64 * 1024).build();
            List<CompletableFuture<Status>> closed = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                ClientCall<PredictRequest, PredictResponse> call = channel.newCall(PerSiteGrpc.getPredictStreamMethod(), CallOptions.DEFAULT);
                CompletableFuture<Status> status = new CompletableFuture<>();
                call.start(new ClientCall.Listener<>() {
                    @Override
                    public void onClose(Status s, Metadata trailers) {
                        status.complete(s);
                    }
                }, new Metadata()); // never call.request(n): the responses are never read
                for (int i = 0; i < 1_000; i++) {
                    call.sendMessage(TestServer.jsonl("s" + c + "-" + i, lines.get(i % lines.size())));
                }
                closed.add(status);
            }
            assertTrue(waitFor(() -> ts.metric("persite_active_streams") == 5, 30), "five streams open");
            // a well-behaved client is served meanwhile
            PredictResponse ok = ts.client.predict(TestServer.jsonl("ok", lines.get(0))).toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(0, ok.getStatus().getCode());

            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> silent.get(30, TimeUnit.SECONDS));
            Status s = Status.fromThrowable(e.getCause());
            assertEquals(Status.Code.DEADLINE_EXCEEDED, s.getCode(), e.toString());
            assertTrue(s.getDescription().contains("persite.server.stream-idle-timeout"), s.getDescription());
            assertTrue(waitFor(() -> ts.metric("persite_active_streams") == 0, 30), "every stuck stream was ended: "
                    + ts.metric("persite_active_streams") + " open");
            assertTrue(ts.metric("persite_requests_total{code=\"DEADLINE_EXCEEDED\",model=\"\",rpc=\"PredictStream\"}") >= 5, ts.metrics().lines().filter(l -> l.startsWith("persite_requests_total")).toList().toString());
            channel.shutdownNow();
            // and the server serves a new stream as before
            List<PredictResponse> after = ts.client.predictStream(Source.range(0, 49).map(i -> TestServer.jsonl("a" + i, lines.get(i))))
                    .runWith(Sink.seq(), ts.clientSystem).toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertEquals(50, after.size());
            after.forEach(r -> assertEquals(0, r.getStatus().getCode()));
        }
    }

    private interface Probe {
        boolean ok() throws Exception;
    }

    private static boolean waitFor(Probe p, int seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            if (p.ok()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }
}
