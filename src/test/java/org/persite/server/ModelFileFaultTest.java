package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.api.v1.ActivateRequest;
import org.persite.api.v1.AdminClient;
import org.persite.api.v1.PredictRequest;
import org.persite.api.v1.PredictResponse;

/**
 * Faults injected while serving (issue 16, section 2.1): the served version's model.onnx is overwritten with garbage,
 * or deleted, while a stream is in flight. The version in memory serves on; a later activation refuses the damaged
 * version and the active one keeps serving; a restart serves the recorded version, not the damaged one.
 */
class ModelFileFaultTest {
    private static final String TOKEN = "fault-test-token-0123";

    @TempDir
    Path tmp;

    @Test
    void aDamagedModelFileIsRefusedLaterAndTheServingVersionIsNeverHurt() throws Exception {
        Path models = tmp.resolve("models");
        HotSwapTest.copy(Path.of("models/magmom/1"), models.resolve("magmom/1"));
        HotSwapTest.copy(Path.of("models/magmom/2"), models.resolve("magmom/2"));
        Map<String, Object> config = Map.of("persite.models.directory", models.toString(), "persite.server.admin-token", TOKEN);
        List<String> lines = TestServer.sampleLines();
        try (TestServer ts = TestServer.start(config)) {
            AdminClient admin = ts.adminClient();
            AtomicInteger answered = new AtomicInteger();
            Source<PredictRequest, org.apache.pekko.NotUsed> requests = Source.range(0, 1_999)
                    .map(i -> TestServer.jsonl("r" + i, lines.get(i % lines.size())));
            List<PredictResponse> out = ts.client.predictStream(requests).map(r -> {
                if (answered.incrementAndGet() == 300) { // mid-stream: the served version's file is destroyed on disk
                    Files.write(models.resolve("magmom/2/model.onnx"), "not an ONNX model".getBytes());
                }
                return r;
            }).runWith(Sink.seq(), ts.clientSystem).toCompletableFuture().get(300, TimeUnit.SECONDS);
            assertEquals(2_000, out.size());
            for (PredictResponse r : out) {
                assertEquals(0, r.getStatus().getCode(), r.getRequestId() + ": " + r.getStatus().getMessage());
                assertEquals(2, r.getModelVersion());
            }

            assertEquals(1, activate(admin, 1).getVersion());
            Throwable corrupt = assertThrows(CompletionException.class, () -> activate(admin, 2));
            assertEquals(Status.Code.FAILED_PRECONDITION, Status.fromThrowable(corrupt.getCause()).getCode(), corrupt.toString());
            assertTrue(corrupt.getCause().getMessage().contains("the file is corrupt or was replaced"), corrupt.getCause().getMessage());
            Files.delete(models.resolve("magmom/2/model.onnx"));
            Throwable missing = assertThrows(CompletionException.class, () -> activate(admin, 2));
            assertTrue(missing.getCause().getMessage().contains("no model.onnx"), missing.getCause().getMessage());
            assertTrue(missing.getCause().getMessage().contains("models/magmom/2") && !missing.getCause().getMessage().contains(tmp.toString()),
                    "the client is told which version, not where the server keeps it: " + missing.getCause().getMessage());
            PredictResponse after = ts.client.predict(TestServer.jsonl("after", lines.get(0))).toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertEquals(1, after.getModelVersion(), "the active version serves on");
            admin.close();
        }
        try (TestServer restarted = TestServer.start(config)) { // active.json records v1; v2 (the newest) is damaged and never served
            PredictResponse r = restarted.client.predict(TestServer.jsonl("restart", lines.get(1))).toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertEquals(0, r.getStatus().getCode());
            assertEquals(1, r.getModelVersion());
        }
    }

    private static org.persite.api.v1.ModelInfo activate(AdminClient admin, int version) {
        return admin.activate().addHeader("authorization", "Bearer " + TOKEN)
                .invoke(ActivateRequest.newBuilder().setModel("magmom").setVersion(version).setForce(true).build()).toCompletableFuture().join();
    }
}
