package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestVectors;
import org.persite.api.v1.AdminClient;
import org.persite.api.v1.PredictResponse;
import org.persite.api.v1.TrainProgress;
import org.persite.api.v1.TrainRequest;

/**
 * Training runs in a child JVM (persite.training.process.isolated, the default): a child killed with SIGKILL
 * mid-epoch, and one that runs out of heap, each end their job with a clear message, while a prediction stream
 * on the same server goes on with 0 failures.
 */
class IsolatedTrainingTest {
    @TempDir
    Path tmp;

    private static TrainRequest.Builder job(int epochs) {
        return TrainRequest.newBuilder().setModel("magmom").setDataset("mp_magmom_tmo/sample_500/sample_500.jsonl").setProperty("magmom")
                .setTransform("abs").setUnit("μB").setEpochs(epochs).setBatchCrystals(32).setAtomFeatures(16).setConvLayers(1).setHiddenFeatures(32)
                .setSeed(3);
    }

    @Test
    void aChildKilledMidEpochFailsItsJobServingNeverNoticesAndTheJobResumes() throws Exception {
        Path models = tmp.resolve("models");
        List<TrainProgress> events = trainWhileStreaming(Map.of(), true, 12, ts -> {
            // the killed job's message names its checkpoint; Train with resume goes on after its last epoch
            List<TrainProgress> killed = ts.events();
            String message = killed.get(killed.size() - 1).getFailed().getMessage();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("resume = \"([^\"]+)\"").matcher(message);
            assertTrue(m.find(), message);
            List<TrainProgress> resumed = ts.admin().train().addHeader("authorization", TestServer.BEARER)
                    .invoke(TrainRequest.newBuilder().setResume(m.group(1)).build()).runWith(Sink.seq(), ts.server().clientSystem)
                    .toCompletableFuture().get(300, TimeUnit.SECONDS);
            TrainProgress end = resumed.get(resumed.size() - 1);
            assertTrue(end.hasFinished(), resumed.toString());
            assertEquals(3, end.getFinished().getVersion());
            int firstEpoch = resumed.stream().filter(TrainProgress::hasEpoch).findFirst().orElseThrow().getEpoch().getEpoch();
            assertTrue(firstEpoch >= 2, "the resumed job starts after the killed job's last epoch, not at 1: " + firstEpoch);
            assertTrue(Files.exists(models.resolve("magmom/3/model.onnx")));
        });
        TrainProgress last = events.get(events.size() - 1);
        assertTrue(last.hasFailed(), events.toString());
        assertTrue(last.getFailed().getMessage().contains("killed by SIGKILL"), last.getFailed().getMessage());
        assertTrue(events.stream().anyMatch(TrainProgress::hasEpoch), "it was killed after an epoch had run: " + events);
    }

    /**
     * An ensemble job (2 members of 2 epochs) whose second member's child is killed after that member's first epoch:
     * the job fails saying how much is kept, and Train with resume goes on as a whole, the first member kept and the
     * second going on from its checkpoint, into one ensemble version.
     */
    @Test
    void anEnsembleJobKilledInItsSecondMemberResumesAsAWhole() throws Exception {
        Path models = tmp.resolve("models");
        try (TestServer ts = TestServer.startOnMagmom2(models, Map.of())) {
            AdminClient admin = ts.adminClient();
            List<TrainProgress> killed = admin.train().addHeader("authorization", TestServer.BEARER)
                    .invoke(job(2).setSeeds(2).setActivate(org.persite.api.v1.ActivateMode.ACTIVATE_NO).build())
                    .map(p -> {
                        if (p.hasEpoch() && p.getEpoch().getEpoch() == 3) { // member 2's first epoch, its checkpoint written
                            trainingChildren().forEach(ProcessHandle::destroyForcibly);
                        }
                        return p;
                    })
                    .runWith(Sink.seq(), ts.clientSystem).toCompletableFuture().get(300, TimeUnit.SECONDS);
            String message = killed.get(killed.size() - 1).getFailed().getMessage();
            assertTrue(message.contains("killed by SIGKILL") && message.contains("1 of 2 members written"), message);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("resume = \"([^\"]+)\"").matcher(message);
            assertTrue(m.find(), message);
            assertTrue(Files.isRegularFile(models.resolve(m.group(1)).resolve("member-2/checkpoint.bin")), "member 2's checkpoint is kept");

            List<TrainProgress> resumed = admin.train().addHeader("authorization", TestServer.BEARER)
                    .invoke(TrainRequest.newBuilder().setResume(m.group(1)).build()).runWith(Sink.seq(), ts.clientSystem)
                    .toCompletableFuture().get(300, TimeUnit.SECONDS);
            TrainProgress end = resumed.get(resumed.size() - 1);
            assertTrue(end.hasFinished(), resumed.toString());
            List<Integer> epochs = resumed.stream().filter(TrainProgress::hasEpoch).map(p -> p.getEpoch().getEpoch()).toList();
            assertEquals(List.of(4), epochs, "member 1 is kept and member 2 goes on after its first epoch: only epoch 4 of 4 is trained");
            assertEquals(3, end.getFinished().getVersion());
            assertTrue(Files.readString(models.resolve("magmom/3/model.json")).contains(org.persite.model.ModelIo.SITE_STD), "version 3 is the ensemble");
            try (var members = Files.list(models.resolve("magmom/members"))) {
                assertEquals(List.of("1", "2"), members.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+")).sorted().toList(),
                        "two members written, none twice");
            }
            assertTrue(!Files.exists(models.resolve(m.group(1))), "the job's folder goes once the ensemble is written");
            admin.close();
        }
    }

    /** What a follow-up step may use: the server, its admin client and the first job's events. */
    private record After(TestServer server, AdminClient admin, List<TrainProgress> events) {
    }

    private interface Then {
        void accept(After a) throws Exception;
    }

    @Test
    void aChildOutOfHeapFailsItsJobAndServingNeverNotices() throws Exception {
        List<TrainProgress> events = trainWhileStreaming(Map.of("persite.training.process.java-options",
                List.of("-Xmx8m", "-XX:+ExitOnOutOfMemoryError")), false, 3, a -> { });
        TrainProgress last = events.get(events.size() - 1);
        assertTrue(last.hasFailed(), events.toString());
        assertTrue(last.getFailed().getMessage().contains("ran out of memory"), last.getFailed().getMessage());
    }

    private List<TrainProgress> trainWhileStreaming(Map<String, Object> extra, boolean killAfterFirstEpoch, int epochs, Then then) throws Exception {
        Path models = tmp.resolve("models");
        Map<String, Object> config = new java.util.HashMap<>(Map.of("persite.training.restart-backoff.min", "200ms"));
        config.putAll(extra);
        try (TestServer ts = TestServer.startOnMagmom2(models, config)) {
            AdminClient admin = ts.adminClient();
            String nacl = Files.readString(TestVectors.input("cod-1000041.cif"));
            long before = trainingChildren().size();
            CompletableFuture<List<PredictResponse>> stream = ts.client.predictStream(Source.range(1, 300)
                    .map(i -> TestServer.text("s" + i, "nacl.cif", nacl)).throttle(3, java.time.Duration.ofMillis(100)))
                    .runWith(Sink.seq(), ts.clientSystem).toCompletableFuture();
            List<TrainProgress> events = admin.train().addHeader("authorization", TestServer.BEARER).invoke(job(epochs).build())
                    .map(p -> {
                        if (killAfterFirstEpoch && p.hasEpoch() && p.getEpoch().getEpoch() == 1) {
                            List<ProcessHandle> children = trainingChildren();
                            assertEquals(before + 1, children.size(), "one training child runs");
                            children.forEach(ProcessHandle::destroyForcibly); // SIGKILL
                        }
                        return p;
                    })
                    .runWith(Sink.seq(), ts.clientSystem).toCompletableFuture().get(300, TimeUnit.SECONDS);
            then.accept(new After(ts, admin, events));
            List<PredictResponse> answers = stream.get(120, TimeUnit.SECONDS);
            assertEquals(300, answers.size());
            for (PredictResponse r : answers) {
                assertEquals(0, r.getStatus().getCode(), r.getStatus().getMessage());
            }
            assertTrue(trainingChildren().size() <= before, "no training child left behind");
            return events;
        }
    }

    private static List<ProcessHandle> trainingChildren() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(h -> cmdline(h).contains("\0train-worker\0")).toList();
    }

    /** The process's command line from /proc, NUL-separated ("" when gone). */
    private static String cmdline(ProcessHandle h) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(h.pid()), "cmdline"), java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
