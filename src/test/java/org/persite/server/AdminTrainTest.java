package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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

/** Real DJL training through the Admin API of a real server, on the shipped 500-structure sample. */
class AdminTrainTest {
    @TempDir
    Path tmp;

    private static TrainRequest.Builder small() {
        return TrainRequest.newBuilder().setModel("magmom").setDataset("mp_magmom_tmo/sample_500/sample_500.jsonl").setProperty("magmom")
                .setTransform("abs").setUnit("μB").setEpochs(2).setBatchCrystals(32).setAtomFeatures(16).setConvLayers(1).setHiddenFeatures(32)
                .setSeed(3);
    }

    @Test
    void trainingInTheServerMakesANewLiveVersionWhilePredictionsGoOn() throws Exception {
        Path models = tmp.resolve("models");
        try (TestServer ts = TestServer.startOnMagmom2(models, Map.of("persite.training.restart-backoff.min", "200ms", "persite.trust-head.residual-std.bins", "3"))) {
            AdminClient admin = ts.adminClient();
            String nacl = Files.readString(TestVectors.input("cod-1000041.cif"));
            PredictResponse before = ts.client.predict(TestServer.text("b", "nacl.cif", nacl)).toCompletableFuture().join();
            assertEquals(2, before.getModelVersion());

            // predictions keep flowing while the job trains
            CompletableFuture<List<PredictResponse>> during = ts.client.predictStream(Source.range(1, 200)
                    .map(i -> TestServer.text("d" + i, "nacl.cif", nacl)).throttle(20, java.time.Duration.ofMillis(100)))
                    .runWith(Sink.seq(), ts.clientSystem).toCompletableFuture();

            // a job that diverges: the failure arrives on its stream
            List<TrainProgress> diverged = admin.train().addHeader("authorization", TestServer.BEARER)
                    .invoke(small().setLearningRate(1e12f).build()).runWith(Sink.seq(), ts.clientSystem).toCompletableFuture()
                    .get(300, TimeUnit.SECONDS);
            TrainProgress last = diverged.get(diverged.size() - 1);
            assertTrue(last.hasFailed(), diverged.toString());
            assertTrue(last.getFailed().getMessage().contains("not finite"), last.getFailed().getMessage());

            // the trainer came back: a job trains and writes version 3, a deliberately bad model (2 epochs, 16 features, one
            // convolution), and the gate refuses it: the job wrote the model's gate set from its test split, and on it v3 is
            // far worse than the shipped v2
            assertFalse(Files.exists(models.resolve("magmom/gate.jsonl.gz")));
            List<TrainProgress> events = admin.train().addHeader("authorization", TestServer.BEARER).invoke(small().build())
                    .runWith(Sink.seq(), ts.clientSystem).toCompletableFuture().get(300, TimeUnit.SECONDS);
            assertTrue(events.get(0).hasStarted(), events.toString());
            assertEquals(500, events.get(0).getStarted().getStructures() + events.get(0).getStarted().getSkipped());
            assertEquals(2, events.stream().filter(TrainProgress::hasEpoch).count());
            TrainProgress end = events.get(events.size() - 1);
            assertTrue(end.hasFinished(), end.toString());
            assertEquals(3, end.getFinished().getVersion());
            assertFalse(end.getFinished().getActivated(), "a worse model went live: " + end.getFinished().getActivationMessage());
            String refusal = end.getFinished().getActivationMessage();
            java.util.regex.Matcher maes = java.util.regex.Pattern.compile("MAE ([0-9.]+) μB .*against the active v2's ([0-9.]+)").matcher(refusal);
            assertTrue(refusal.contains("worse than the active version") && maes.find(), refusal);
            assertTrue(Double.parseDouble(maes.group(1)) > Double.parseDouble(maes.group(2)), refusal);
            assertTrue(refusal.contains("margin 2%"), refusal);
            assertTrue(Files.exists(models.resolve("magmom/gate.jsonl.gz")), "the job wrote the model's gate set");
            assertTrue(end.getFinished().getTestMae() > 0 && end.getFinished().getTestMae() < 5);
            assertTrue(Files.exists(models.resolve("magmom/3/model.onnx")));
            String card = Files.readString(models.resolve("magmom/3/model.json"));
            assertTrue(card.contains("\"data_licence\" : \"CC BY 4.0 (Materials Project data)\""), "the card carries the data's licence");
            assertTrue(card.contains("Admin/Train {") && card.contains("\\\"unit\\\":\\\"μB\\\""), "the provenance keeps the unit in UTF-8: "
                    + card.lines().filter(l -> l.contains("Admin/Train")).findFirst().orElse(card));
            assertEquals(2, ts.client.predict(TestServer.text("kept", "nacl.cif", nacl)).toCompletableFuture().join().getModelVersion(),
                    "the old version keeps serving");

            // Activate refuses it too, with the same figures; with force it goes live, and says so
            Throwable refused = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> admin.activate().addHeader("authorization", TestServer.BEARER)
                    .invoke(org.persite.api.v1.ActivateRequest.newBuilder().setModel("magmom").setVersion(3).build()).toCompletableFuture().join());
            io.grpc.Status refusedStatus = io.grpc.Status.fromThrowable(refused.getCause());
            assertEquals(io.grpc.Status.Code.FAILED_PRECONDITION, refusedStatus.getCode());
            assertTrue(refusedStatus.getDescription().contains("against the active v2's"), refusedStatus.getDescription());
            org.persite.api.v1.ModelInfo forced = admin.activate().addHeader("authorization", TestServer.BEARER)
                    .invoke(org.persite.api.v1.ActivateRequest.newBuilder().setModel("magmom").setVersion(3).setForce(true).build())
                    .toCompletableFuture().join();
            assertEquals(3, forced.getVersion());
            assertTrue(forced.getGate().contains("FORCED"), forced.getGate());

            for (PredictResponse r : during.get(60, TimeUnit.SECONDS)) {
                assertEquals(0, r.getStatus().getCode(), r.getStatus().getMessage());
            }
            PredictResponse after = ts.client.predict(TestServer.text("a", "nacl.cif", nacl)).toCompletableFuture().join();
            assertEquals(3, after.getModelVersion());
            assertNotEquals(before.getStructures(0).getSites(0).getValues(0), after.getStructures(0).getSites(0).getValues(0),
                    "the new version predicts differently");
            assertTrue(before.getStructures(0).getSites(0).getUncertaintyCount() == 0 && after.getStructures(0).getSitesList().stream()
                    .allMatch(site -> site.getUncertaintyCount() == 1 && site.getUncertainty(0) > 0),
                    "the retrained version goes live with its σ from the validation errors (v2 had none): " + after.getStructures(0));
            assertEquals(3, org.persite.model.ModelDirectory.load(models.resolve("magmom/3")).spec().trust().residualStd().bins(),
                    "the child JVM fitted σ with the server's persite.trust-head.residual-std.bins, not the default 8");
            // a dataset outside the data directory is refused
            Throwable escape = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> admin.train().addHeader("authorization", TestServer.BEARER)
                    .invoke(small().setDataset("../pom.xml").build()).runWith(Sink.seq(), ts.clientSystem).toCompletableFuture().get(30, TimeUnit.SECONDS));
            assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, io.grpc.Status.fromThrowable(escape.getCause()).getCode());
            String escapeMessage = io.grpc.Status.fromThrowable(escape.getCause()).getDescription();
            assertTrue(escapeMessage.contains("data directory ('data'") && !escapeMessage.contains(Path.of("").toAbsolutePath().toString()),
                    "names the data directory without the server's absolute path: " + escapeMessage);
            // a misspelt property: the fields the records have are listed, and no absolute path of the server's is shown
            List<TrainProgress> typo = admin.train().addHeader("authorization", TestServer.BEARER).invoke(small().setProperty("magmon")
                    .build()).runWith(Sink.seq(), ts.clientSystem).toCompletableFuture().get(300, TimeUnit.SECONDS);
            String typoMessage = typo.get(typo.size() - 1).getFailed().getMessage();
            assertTrue(typoMessage.contains("'magmon'") && typoMessage.contains("its records have magmom"), typoMessage);
            assertFalse(typoMessage.contains(Path.of("").toAbsolutePath().toString()), typoMessage);
            assertFalse(Files.exists(models.resolve("magmom/4")));

            // the CLI trains remotely too, and reports the new version
            java.io.StringWriter out = new java.io.StringWriter();
            java.io.StringWriter err = new java.io.StringWriter();
            int code = org.persite.cli.PersiteCli.run(new java.io.PrintWriter(out), new java.io.PrintWriter(err), "train", "--server",
                    "127.0.0.1:" + ts.port(), "--token", TestServer.ADMIN_TOKEN, "--data", "mp_magmom_tmo/sample_500/sample_500.jsonl", "--property", "magmom",
                    "--transform", "abs", "--unit", "μB", "--out", "magmom", "--epochs", "1", "--features", "16", "--conv", "1", "--hidden-width", "32",
                    "--element-affine", "--bond-valence", "2");
            assertEquals(0, code, out + "\n" + err);
            org.persite.model.CgcnnHyperparameters remote = org.persite.model.ModelDirectory.load(models.resolve("magmom/4")).spec().hyperparameters();
            assertTrue(remote.elementAffine() && remote.bondValenceChannels() == 2, "the server trained the architecture asked for: " + remote);
            assertTrue(out.toString().contains("epoch 1/1") && out.toString().contains("version 4: test MAE"), out.toString());
            // the training metrics: jobs by outcome, the last epoch and its validation MAE
            assertTrue(ts.metric("persite_training_jobs_total{outcome=\"failed\"}") >= 2, ts.metrics());
            assertTrue(ts.metric("persite_training_jobs_total{outcome=\"kept\"}") >= 1, ts.metrics());
            assertEquals(1.0, ts.metric("persite_training_epoch{model=\"magmom\"}"));
            assertTrue(ts.metric("persite_training_validation_mae{model=\"magmom\"}") > 0, ts.metrics());
            admin.close();
        }
    }

    @Test
    void seedsThroughTheAdminApiTrainMembersOnOneSplitAndShipOneEnsembleVersion() throws Exception {
        Path models = tmp.resolve("models");
        try (TestServer ts = TestServer.startOnMagmom2(models, Map.of())) {
            AdminClient admin = ts.adminClient();
            List<TrainProgress> events = admin.train().addHeader("authorization", TestServer.BEARER).invoke(small().setSeeds(2).setActivate(
                    org.persite.api.v1.ActivateMode.ACTIVATE_NO).build()).runWith(Sink.seq(), ts.clientSystem).toCompletableFuture()
                    .get(300, TimeUnit.SECONDS);
            TrainProgress end = events.get(events.size() - 1);
            assertTrue(end.hasFinished(), events.toString());
            List<TrainProgress> epochs = events.stream().filter(TrainProgress::hasEpoch).toList();
            assertEquals(4, epochs.size(), "2 members x 2 epochs");
            assertEquals(4, epochs.get(3).getEpoch().getEpoch());
            assertEquals(4, epochs.get(3).getEpoch().getEpochs());
            assertEquals(3, end.getFinished().getVersion());
            org.persite.model.LoadedModel ensemble = org.persite.model.ModelDirectory.load(models.resolve("magmom/3"));
            assertTrue(Files.readString(ensemble.directory().resolve("model.json")).contains(org.persite.model.ModelIo.SITE_STD),
                    "version 3 is an ensemble with a per-site standard deviation");
            assertTrue(Files.isDirectory(models.resolve("magmom/members/1")) && Files.isDirectory(models.resolve("magmom/members/2")),
                    "the members are kept in models/magmom/members/");
            assertTrue(end.getFinished().getTestMae() > 0 && end.getFinished().getTestMae() < 5);
            admin.close();
        }
    }
}
