package org.persite.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestVectors;
import org.persite.graph.ElementTable;
import org.persite.graph.FeaturizerSettings;
import org.persite.model.CgcnnHyperparameters;
import org.persite.model.CgcnnWeights;

/**
 * Real DJL training on {@code sample_500}: a run stopped after epoch 3 and resumed from its checkpoint ends with
 * the weights of the uninterrupted 6-epoch run, to 1e-5; the model's manager holds no more arrays after epoch 6
 * than after epoch 1 (the native memory leak); and a checkpoint of another run, or a damaged one, is refused.
 */
class CheckpointResumeTest {
    static SiteDataset data;
    static SiteDataset.Split split;
    static final TrainingConfig CONFIG = new TrainingConfig(new CgcnnHyperparameters(32, 2, 64, 1), 6, 32, 0.003f,
            TrainingConfig.OptimizerKind.ADAM, TrainingConfig.LossKind.L1, 7);
    static CgcnnTrainer trainer;
    static TrainingResult uninterrupted;
    static final List<CgcnnTrainer.EpochReport> REPORTS = new ArrayList<>();
    @TempDir
    static Path tmp;

    static int threads;

    /**
     * One PyTorch thread while this class trains: with several, the BLAS kernels may split their sums differently
     * from run to run (seen: validation MAEs of two identical runs 3e-5 apart under load), which has nothing to do
     * with resuming.
     */
    @BeforeAll
    static void trainSixEpochs() throws IOException {
        ai.djl.engine.Engine.getEngine("PyTorch");
        threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
        TargetSpec target = new TargetSpec("magmom", TargetSpec.Transform.ABS, "paper_filter", "μB");
        data = SiteDataset.load(TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl"), target, FeaturizerSettings.reference(),
                TestVectors.READER);
        split = data.split(1);
        trainer = new CgcnnTrainer(FeaturizerSettings.reference(), ElementTable.cgcnn());
        uninterrupted = trainer.train(data, split, CONFIG, REPORTS::add, () -> false,
                new CgcnnTrainer.Checkpointing(tmp.resolve("uninterrupted"), null, List.of()));
    }

    @org.junit.jupiter.api.AfterAll
    static void restoreThreads() {
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
    }

    /** A loss that is not finite says whether going on from a checkpoint is worth a try. */
    @Test
    void aLossThatIsNotFiniteSaysWhetherACheckpointCanTellAOneOffFromADivergence() {
        String later = CgcnnTrainer.notFinite(Float.NaN, 47, 220, true);
        assertTrue(later.startsWith("the training loss is not finite (NaN) at epoch 47, batch 220"), later);
        assertTrue(later.contains("one-off") && later.contains("last checkpoint"), later);
        String first = CgcnnTrainer.notFinite(Float.POSITIVE_INFINITY, 1, 3, true);
        assertTrue(first.endsWith("the run diverged; lower the learning rate") && !first.contains("checkpoint"), first);
        String none = CgcnnTrainer.notFinite(Float.NaN, 5, 1, false);
        assertTrue(none.endsWith("lower the learning rate") && !none.contains("checkpoint"), none);
    }

    @Test
    void aRunStoppedAfterEpochThreeAndResumedEndsWhereTheUninterruptedRunEnds() throws IOException {
        Path folder = tmp.resolve("stopped");
        List<CgcnnTrainer.EpochReport> seen = new ArrayList<>();
        assertThrows(CancellationException.class, () -> trainer.train(data, split, CONFIG, seen::add, () -> seen.size() >= 3,
                new CgcnnTrainer.Checkpointing(folder, null, List.of("--data", "x"))));
        TrainingCheckpoint ck = TrainingCheckpoint.read(folder);
        assertEquals(3, ck.epochsDone());
        assertEquals(List.of("--data", "x"), ck.arguments());

        TrainingResult resumed = trainer.train(data, split, CONFIG, r -> { }, () -> false, new CgcnnTrainer.Checkpointing(folder, ck, ck.arguments()));
        assertEquals(uninterrupted.bestEpoch(), resumed.bestEpoch());
        assertEquals(6, resumed.trainLoss().size());
        for (int e = 0; e < 6; e++) {
            assertEquals(uninterrupted.trainLoss().get(e), resumed.trainLoss().get(e), 1e-6, "training loss of epoch " + (e + 1));
            assertEquals(uninterrupted.validationMae().get(e), resumed.validationMae().get(e), 1e-6, "validation MAE of epoch " + (e + 1));
        }
        float[] a = flat(uninterrupted.weights());
        float[] b = flat(resumed.weights());
        assertEquals(a.length, b.length);
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        assertTrue(worst <= 1e-5, "largest weight difference " + worst);
        assertEquals(6, TrainingCheckpoint.read(folder).epochsDone(), "the resumed run goes on writing its checkpoint");
    }

    /**
     * With a weight average (issue 20 item 9) the checkpoint also carries the averages: a run stopped after epoch 3 and
     * resumed ends with the uninterrupted run's averaged weights, and those are not the plain run's.
     */
    @Test
    void aRunWithAWeightAverageResumesExactly() throws IOException {
        TrainingConfig ema = new TrainingConfig(CONFIG.hyperparameters(), 6, 32, 0.003f, CONFIG.optimizer(), CONFIG.loss(), 7, 7, 1f, 0, 0.9f);
        List<CgcnnTrainer.EpochReport> whole = new ArrayList<>();
        TrainingResult straight = trainer.train(data, split, ema, whole::add, () -> false, CgcnnTrainer.Checkpointing.NONE);
        assertEquals(whole.get(0).liveArrays(), whole.get(5).liveArrays(), "the average's update leaves no arrays behind");
        Path folder = tmp.resolve("stopped-ema");
        List<CgcnnTrainer.EpochReport> seen = new ArrayList<>();
        assertThrows(CancellationException.class, () -> trainer.train(data, split, ema, seen::add, () -> seen.size() >= 3,
                new CgcnnTrainer.Checkpointing(folder, null, List.of())));
        TrainingCheckpoint ck = TrainingCheckpoint.read(folder);
        assertEquals(ck.parameters().keySet(), ck.averageParameters().keySet(), "every parameter has its average in the checkpoint");
        TrainingResult resumed = trainer.train(data, split, ema, r -> { }, () -> false, new CgcnnTrainer.Checkpointing(folder, ck, List.of()));
        for (int e = 0; e < 6; e++) {
            assertEquals(straight.validationMae().get(e), resumed.validationMae().get(e), 1e-6, "validation MAE of epoch " + (e + 1));
        }
        float[] a = flat(straight.weights());
        float[] b = flat(resumed.weights());
        float[] plain = flat(uninterrupted.weights());
        double worst = 0;
        double fromPlain = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
            fromPlain = Math.max(fromPlain, Math.abs(a[i] - plain[i]));
        }
        assertTrue(worst <= 1e-5, "largest weight difference " + worst);
        assertTrue(fromPlain > 1e-3, "the averaged weights are the plain run's: " + fromPlain);
        assertTrue(TrainingCheckpoint.read(tmp.resolve("uninterrupted")).averageParameters().isEmpty(), "a run without an average saves none");
    }

    @Test
    void theModelHoldsNoMoreArraysAfterTheLastEpochThanAfterTheFirst() {
        assertEquals(6, REPORTS.size());
        int first = REPORTS.get(0).liveArrays();
        assertTrue(first > 0);
        for (CgcnnTrainer.EpochReport r : REPORTS) {
            assertEquals(first, r.liveArrays(), "arrays held by the model's manager after epoch " + r.epoch()
                    + " (every per-batch array must live in the batch's manager)");
        }
    }

    @Test
    void aCheckpointOfAnotherConfigIsRefused() throws IOException {
        TrainingCheckpoint ck = TrainingCheckpoint.read(tmp.resolve("uninterrupted"));
        TrainingConfig other = new TrainingConfig(CONFIG.hyperparameters(), 6, 32, 0.001f, CONFIG.optimizer(), CONFIG.loss(), 7);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer.train(data, split, other, r -> { }, () -> false, new CgcnnTrainer.Checkpointing(null, ck, List.of())));
        assertTrue(e.getMessage().contains("another training config"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> trainer.train(data, data.split(2), CONFIG, r -> { }, () -> false,
                new CgcnnTrainer.Checkpointing(null, ck, List.of())));
    }

    @Test
    void aDamagedOrMissingCheckpointIsRefusedWithItsName() throws IOException {
        Path good = tmp.resolve("uninterrupted").resolve(TrainingCheckpoint.FILE_NAME);
        byte[] bytes = Files.readAllBytes(good);
        Path damaged = tmp.resolve("damaged");
        Files.createDirectories(damaged);
        bytes[bytes.length / 2] ^= 1;
        Files.write(damaged.resolve(TrainingCheckpoint.FILE_NAME), bytes);
        IOException e = assertThrows(IOException.class, () -> TrainingCheckpoint.read(damaged));
        assertTrue(e.getMessage().contains("checksum") && e.getMessage().contains(damaged.toString()), e.getMessage());
        IOException missing = assertThrows(IOException.class, () -> TrainingCheckpoint.read(tmp.resolve("none")));
        assertTrue(missing.getMessage().contains("no training checkpoint"), missing.getMessage());
    }

    private static float[] flat(CgcnnWeights w) {
        List<float[]> parts = new ArrayList<>();
        add(parts, w.embedding());
        for (CgcnnWeights.ConvLayer c : w.conv()) {
            add(parts, c.full());
            for (CgcnnWeights.BatchNorm bn : List.of(c.bn1(), c.bn2())) {
                parts.addAll(List.of(bn.gamma(), bn.beta(), bn.runningMean(), bn.runningVar()));
            }
        }
        w.hidden().forEach(h -> add(parts, h));
        add(parts, w.out());
        int n = parts.stream().mapToInt(p -> p.length).sum();
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static void add(List<float[]> parts, CgcnnWeights.Linear l) {
        parts.add(l.weight());
        parts.add(l.bias());
    }
}
