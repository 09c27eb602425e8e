package org.persite.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestVectors;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;

/** {@code persite train} writes the next version of a model directory, with a card that reproduces it. */
class TrainCommandTest {
    @TempDir
    Path tmp;

    /** A run that failed with a checkpoint left says how to go on from it, after the trainer's own message. */
    @Test
    void aFailedRunNamesTheCheckpointToResumeFrom() {
        Path folder = tmp.resolve("run-ckpt");
        String said = TrainCommand.resumeHint("the training loss is not finite (NaN) at epoch 47, batch 220: ...", folder, 46);
        assertTrue(said.startsWith("the training loss is not finite (NaN) at epoch 47, batch 220"), said);
        assertTrue(said.contains("checkpoint after epoch 46") && said.contains("persite train --resume " + folder), said);
    }

    @Test
    void writesNumberedVersionsWithACompleteCard() throws Exception {
        Path out = tmp.resolve("magmom");
        String[] args = {"train", "--data", TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl").toString(), "--property", "magmom",
            "--transform", "abs", "--filter", "paper_filter", "--unit", "μB", "--out", out.toString(), "--epochs", "2", "--batch", "50",
            "--features", "16", "--conv", "1", "--hidden-width", "16"};
        PersiteCliTest.Run first = PersiteCliTest.run(args);
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("500 structures"), first.out());
        assertTrue(first.out().contains("epoch 2/2"), first.out());
        assertTrue(first.out().contains("test MAE μB"), first.out());
        LoadedModel m = ModelDirectory.load(out.resolve("1"));
        assertEquals("magmom", m.spec().name());
        assertEquals(1, m.spec().version());
        assertEquals("μB", m.spec().properties().get(0).unit());
        assertTrue(m.spec().metrics().containsKey("test_mae"));
        assertTrue(m.spec().metrics().containsKey("per_element_test_mae_tm"));
        assertTrue(m.spec().provenance().get("command").startsWith("persite train --data data/mp_magmom_tmo/sample_500/sample_500.jsonl --property"),
                "the data path as in the checkout, not this machine's absolute one: " + m.spec().provenance());
        assertTrue(m.spec().provenance().get("command").contains("--out " + out.toAbsolutePath() + " "), "a path outside the checkout stays absolute");
        assertTrue(m.spec().provenance().get("split").contains("seed 1"));
        assertEquals("data/mp_magmom_tmo/sample_500/sample_500.jsonl", m.spec().provenance().get("data"));
        // the data given as an absolute path inside the checkout (as a resumed run's checkpoint gives it): the card says it as above
        String[] absolute = args.clone();
        absolute[2] = Path.of(args[2]).toAbsolutePath().toString();
        PersiteCliTest.Run second = PersiteCliTest.run(absolute);
        assertEquals(0, second.code(), second.err());
        assertTrue(Files.exists(out.resolve("2").resolve("model.onnx")), "the next run is version 2");
        assertEquals("data/mp_magmom_tmo/sample_500/sample_500.jsonl", ModelDirectory.load(out.resolve("2")).spec().provenance().get("data"),
                "the card's data path is the checkout's, whichever way it was given");

        // evaluate the newest version on the same split: the table, and two real PNG plots
        Path report = tmp.resolve("report");
        PersiteCliTest.Run ev = PersiteCliTest.run("evaluate", "--model", out.toString(), "--data", args[2], "--out", report.toString(),
                "--mlp-epochs", "2");
        assertEquals(0, ev.code(), ev.err());
        assertTrue(ev.out().contains("| magmom, all sites | 300 | μB |"), ev.out());
        assertTrue(ev.out().contains("| magmom, transition-metal sites |"), ev.out());
        assertTrue(!ev.out().contains("not run"), "the MLP column is filled: " + ev.out());
        for (String png : new String[] {"parity.png", "distributions-3d.png"}) {
            java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(report.resolve(png).toFile());
            assertTrue(img != null && img.getWidth() >= 400, png + " is an image");
        }
    }

    @Test
    void seedsTrainsMembersOnOneSplitAndWritesTheEnsemble() throws Exception {
        Path out = tmp.resolve("magmom-ensemble");
        PersiteCliTest.Run r = PersiteCliTest.run("train", "--data", TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl").toString(),
                "--property", "magmom", "--transform", "abs", "--filter", "paper_filter", "--unit", "μB", "--out", out.toString(), "--epochs", "1",
                "--batch", "50", "--features", "16", "--conv", "1", "--hidden-width", "16", "--seed", "4", "--split-seed", "9", "--seeds", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("member 2/2 (seed 5)  epoch 1/1"), r.out());
        assertTrue(r.out().contains("1.645σ"), r.out());
        for (int k = 1; k <= 2; k++) {
            LoadedModel member = ModelDirectory.load(out.resolve("members/" + k));
            assertEquals(Integer.toString(3 + k), member.spec().provenance().get("seed"));
            assertEquals("random 60/20/20 by structure, seed 9", member.spec().provenance().get("split"));
        }
        LoadedModel ensemble = ModelDirectory.load(out.resolve("1"));
        assertTrue(ensemble.spec().provenance().get("command").endsWith("--seeds 2"), ensemble.spec().provenance().get("command"));
        assertTrue(ensemble.spec().metrics().containsKey("test_within_1.645_std"));
        assertTrue(ensemble.spec().metrics().get("member_test_mae_std") > 0);

        // --seeds now goes to the server too (Admin Train's seeds): accepted, and here the call fails only for want of a server
        PersiteCliTest.Run remote = PersiteCliTest.run("train", "--data", "x.jsonl", "--property", "magmom", "--out", out.toString(),
                "--server", "127.0.0.1:1", "--token", "t", "--seeds", "3");
        assertEquals(1, remote.code(), remote.err());
        assertTrue(remote.err().contains("error:"), remote.err());
    }

    /**
     * A --seeds job whose member diverges (a learning rate of 1e30 makes the second batch's loss not finite) exits 1,
     * says how many members are written and how to go on, and keeps its progress file for that.
     */
    @Test
    void aFailedSeedsJobSaysHowManyMembersAreWrittenAndHowToGoOn() throws Exception {
        Path out = tmp.resolve("magmom-ensemble");
        PersiteCliTest.Run r = PersiteCliTest.run("train", "--data", TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl").toString(),
                "--property", "magmom", "--transform", "abs", "--filter", "paper_filter", "--unit", "μB", "--out", out.toString(), "--epochs", "1",
                "--batch", "50", "--features", "16", "--conv", "1", "--hidden-width", "16", "--lr", "1e30", "--seeds", "2");
        assertEquals(1, r.code(), r.err());
        Path folder = out.resolve("checkpoint").toAbsolutePath();
        assertTrue(r.err().contains("error: the training loss is not finite"), r.err());
        assertTrue(r.err().contains("the ensemble job's progress is kept (0 of 2 members written): persite train --resume " + folder + " goes on from it"),
                r.err());
        assertTrue(org.persite.train.EnsembleCheckpoint.isEnsemble(folder), "the progress file stays for --resume");
        assertTrue(!Files.exists(out.resolve("1")), "no ensemble version is written");
    }

    @Test
    void resumeWithoutACheckpointIsAUsageErrorThatSaysWhy() {
        PersiteCliTest.Run r = PersiteCliTest.run("train", "--resume", tmp.resolve("nothing-here").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("no training checkpoint here"), r.err());
        PersiteCliTest.Run both = PersiteCliTest.run("train", "--resume", tmp.toString(), "--data", "x.jsonl");
        assertEquals(2, both.code());
        assertTrue(both.err().contains("give no others"), both.err());
    }

    @Test
    void aWeightAverageOutsideItsRangeAndInProcessOptionsOnAServerAreUsageErrors() {
        PersiteCliTest.Run r = PersiteCliTest.run("train", "--data", "x.jsonl", "--property", "magmom", "--out", tmp.resolve("m").toString(),
                "--ema", "1");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--ema: the decay must lie in [0, 1) (0 = none), not 1.0"), r.err());
        for (String[] option : new String[][] {{"--ema", "0.999"}, {"--layer-norm"}, {"--crystal-context"}, {"--teacher", "models/magmom-ensemble"}}) {
            List<String> args = new java.util.ArrayList<>(List.of("train", "--data", "x.jsonl", "--property", "magmom", "--out",
                    tmp.resolve("m").toString(), "--server", "127.0.0.1:1", "--token", "t"));
            args.addAll(List.of(option));
            PersiteCliTest.Run remote = PersiteCliTest.run(args.toArray(String[]::new));
            assertEquals(2, remote.code(), remote.err());
            assertTrue(remote.err().contains("--ema, --layer-norm, --crystal-context and --teacher are offered in-process only"), remote.err());
        }
        PersiteCliTest.Run seeds = PersiteCliTest.run("train", "--data", "x.jsonl", "--property", "magmom", "--out", tmp.resolve("m").toString(),
                "--teacher", "models/magmom-ensemble", "--seeds", "2");
        assertEquals(2, seeds.code(), seeds.err());
        assertTrue(seeds.err().contains("--teacher is for one model"), seeds.err());
    }

    @Test
    void tooManyBondValenceChannelsIsAUsageErrorThatSaysTheRange() {
        PersiteCliTest.Run r = PersiteCliTest.run("train", "--data", "x.jsonl", "--property", "magmom", "--out", tmp.resolve("m").toString(),
                "--bond-valence", "65");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--bond-valence: need 0 to 64 channels, not 65"), r.err());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> org.persite.model.CgcnnHyperparameters.reference().withBondValence(-1));
        assertTrue(e.getMessage().contains("bond_valence_channels") && e.getMessage().contains("not -1"), e.getMessage());
    }

    @Test
    void anUnknownActivationIsAUsageErrorThatNamesTheChoices() {
        PersiteCliTest.Run r = PersiteCliTest.run("train", "--data", "x.jsonl", "--property", "magmom", "--out", tmp.resolve("m").toString(),
                "--activation", "relu");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--activation: activation must be softplus or silu, got 'relu'"), r.err());
    }
}
