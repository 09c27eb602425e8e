package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.api.v1.ActivateMode;
import org.persite.api.v1.AdminClient;
import org.persite.api.v1.ListModelsRequest;
import org.persite.api.v1.PredictResponse;
import org.persite.api.v1.TrainProgress;
import org.persite.api.v1.TrainRequest;
import org.persite.model.ModelDirectory;

/**
 * Faults injected while serving (issue 16, section 2.2): the disk fills up while training exports a version. Every
 * write of a model file fails half-way with "No space left on device" (the bytes that fit are written, then the
 * write throws, as a full disk does). The job fails with that message, no version folder is left behind (whole or
 * partial), the registry lists what it listed before, the stream in flight is served throughout, and once the disk
 * has room the next job writes the next version number and it loads.
 */
class ExportFaultTest {
    private static final String TOKEN = "export-fault-token-0123";

    @TempDir
    Path tmp;

    private static TrainRequest.Builder small() {
        return TrainRequest.newBuilder().setModel("magmom").setDataset("mp_magmom_tmo/sample_500/sample_500.jsonl").setProperty("magmom")
                .setTransform("abs").setUnit("μB").setEpochs(1).setBatchCrystals(32).setAtomFeatures(16).setConvLayers(1).setHiddenFeatures(32)
                .setSeed(5).setActivate(ActivateMode.ACTIVATE_NO);
    }

    @Test
    void aFullDiskDuringExportLeavesNoVersionBehindAndTheRegistryConsistent() throws Exception {
        Path models = tmp.resolve("models");
        HotSwapTest.copy(Path.of("models/magmom/2"), models.resolve("magmom/2"));
        List<String> lines = TestServer.sampleLines();
        try (TestServer ts = TestServer.start(Map.of("persite.models.directory", models.toString(), "persite.server.admin-token", TOKEN,
                "persite.training.process.isolated", "off", "persite.training.restart-backoff.min", "200ms"))) {
            AdminClient admin = ts.adminClient();
            CompletableFuture<List<PredictResponse>> during = ts.client.predictStream(Source.range(0, 299)
                    .map(i -> TestServer.jsonl("d" + i, lines.get(i % lines.size()))).throttle(20, java.time.Duration.ofMillis(100)))
                    .runWith(Sink.seq(), ts.clientSystem).toCompletableFuture();

            AtomicInteger failedWrites = new AtomicInteger();
            Path modelsAbsolute = models.toAbsolutePath();
            ModelDirectory.FileWrite disk = ModelDirectory.writeFilesWith((file, bytes) -> {
                if (file.toAbsolutePath().startsWith(modelsAbsolute)) {
                    failedWrites.incrementAndGet();
                    Files.write(file, Arrays.copyOf(bytes, bytes.length / 2)); // what fitted before the disk was full
                    throw new IOException("No space left on device");
                }
                Files.write(file, bytes);
            });
            List<TrainProgress> events;
            try {
                events = admin.train().addHeader("authorization", "Bearer " + TOKEN).invoke(small().build()).runWith(Sink.seq(), ts.clientSystem)
                        .toCompletableFuture().get(300, TimeUnit.SECONDS);
            } finally {
                ModelDirectory.writeFilesWith(disk);
            }
            TrainProgress last = events.get(events.size() - 1);
            assertTrue(last.hasFailed(), events.toString());
            assertTrue(last.getFailed().getMessage().contains("No space left on device"), last.getFailed().getMessage());
            assertTrue(last.getFailed().getMessage().contains("checkpoint after epoch 1 is kept"), "the trained epochs are not lost: "
                    + last.getFailed().getMessage());
            assertTrue(failedWrites.get() > 0, "the export wrote through the failing disk");
            assertEquals(List.of("2"), versionLike(models.resolve("magmom")), "nothing half-written is left as a version, nor as a partial folder");
            org.persite.api.v1.ModelInfo listed = ts.client.listModels(ListModelsRequest.getDefaultInstance()).toCompletableFuture().get(30, TimeUnit.SECONDS)
                    .getModels(0);
            assertEquals(2, listed.getVersion());
            assertEquals(List.of(2), listed.getAvailableVersionsList());

            // the disk has room again: the next job takes the next number, 3, and what it wrote loads
            List<TrainProgress> again = admin.train().addHeader("authorization", "Bearer " + TOKEN).invoke(small().build())
                    .runWith(Sink.seq(), ts.clientSystem).toCompletableFuture().get(300, TimeUnit.SECONDS);
            TrainProgress end = again.get(again.size() - 1);
            assertTrue(end.hasFinished(), again.toString());
            assertEquals(3, end.getFinished().getVersion());
            assertEquals(List.of("2", "3"), versionLike(models.resolve("magmom")));
            assertEquals(3, ModelDirectory.load(models.resolve("magmom/3")).spec().version());

            for (PredictResponse r : during.get(120, TimeUnit.SECONDS)) {
                assertEquals(0, r.getStatus().getCode(), r.getRequestId() + ": " + r.getStatus().getMessage());
                assertEquals(2, r.getModelVersion());
            }
            admin.close();
        }
    }

    /** The model folder's entries that are versions, or half-written ones: integer names and hidden partial folders. */
    private static List<String> versionLike(Path modelFolder) throws IOException {
        try (Stream<Path> s = Files.list(modelFolder)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+") || n.contains(ModelDirectory.PARTIAL)).sorted().toList();
        }
    }
}
