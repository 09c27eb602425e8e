package org.persite.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestModels;
import org.persite.TestVectors;
import org.persite.graph.ElementTable;
import org.persite.graph.FeaturizerSettings;
import org.persite.inference.Buckets;
import org.persite.inference.Device;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.model.Activation;
import org.persite.model.CgcnnHyperparameters;
import org.persite.model.CgcnnWeights;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.ModelSpec;
import org.persite.model.PropertySpec;

/**
 * Every opt-in architecture trains what it serves: DJL's block (the training forward pass, eval mode) and the
 * exported ONNX graph compute the same per-site values for the same weights, on real structures with masked slots.
 * The per-element affine is checked with random (non-trivial) tables and after real training steps.
 */
class TrainedBlockParityTest {
    static SiteDataset data;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws Exception {
        TargetSpec target = new TargetSpec("magmom", TargetSpec.Transform.ABS, "paper_filter", "μB");
        data = SiteDataset.load(TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl"), target, FeaturizerSettings.reference(),
                TestVectors.READER);
    }

    @Test
    void djlAndOnnxAgreeForSilu() throws Exception {
        CgcnnHyperparameters hp = CgcnnHyperparameters.reference().with(Activation.SILU);
        assertAgree(hp, TestModels.weights(spec(hp), 12));
    }

    @Test
    void djlAndOnnxAgreeForTheElementAffine() throws Exception {
        CgcnnHyperparameters hp = CgcnnHyperparameters.reference().withElementAffine(true);
        assertAgree(hp, TestModels.weights(spec(hp), 14));
    }

    @Test
    void theElementAffineStartsAtTheMediansAndLearns() throws Exception {
        CgcnnHyperparameters hp = new CgcnnHyperparameters(16, 1, 16, 1).withElementAffine(true);
        TrainingConfig config = new TrainingConfig(hp, 2, 16, 0.003f, TrainingConfig.OptimizerKind.ADAM, TrainingConfig.LossKind.HUBER, 3, 3, 2f, 80);
        SiteDataset.Split split = data.split(config.splitSeed());
        List<Integer> subset = CgcnnTrainer.trainingSubset(split.train(), config);
        assertEquals(80, subset.size());
        assertEquals(subset, CgcnnTrainer.trainingSubset(split.train(), config.withSeed(9)), "every seed of an ensemble trains on one subset");
        double[] norm = CgcnnTrainer.normaliser(CgcnnTrainer.pick(data, subset));
        float[] medians = CgcnnTrainer.elementMedians(CgcnnTrainer.pick(data, subset), norm[0], norm[1]);
        TrainingResult r = new CgcnnTrainer(FeaturizerSettings.reference(), ElementTable.cgcnn()).train(data, split, config, e -> { }, () -> false,
                CgcnnTrainer.Checkpointing.NONE);
        CgcnnWeights.ElementAffine affine = r.weights().elementAffine();
        int oxygen = 8;
        int iron = 26;
        assertTrue(Math.abs(affine.shift(oxygen, 0) - medians[oxygen]) > 1e-5 || Math.abs(affine.scale(oxygen, 0) - 1) > 1e-5,
                "the tables are learned, not left at their start");
        assertTrue(Math.abs(affine.shift(iron, 0) - medians[iron]) < 1, "Fe's shift stays near its median of " + medians[iron]);
        assertAgree(hp, r.weights());
    }

    @Test
    void djlAndOnnxAgreeForBondValence() throws Exception {
        CgcnnHyperparameters hp = CgcnnHyperparameters.reference().withElementAffine(true).withBondValence(4);
        assertAgree(hp, TestModels.weights(spec(hp), 15));
    }

    @Test
    void theBondValenceRadiiLearn() throws Exception {
        CgcnnHyperparameters hp = new CgcnnHyperparameters(16, 1, 16, 1).withBondValence(2);
        TrainingConfig config = new TrainingConfig(hp, 2, 16, 0.003f, TrainingConfig.OptimizerKind.ADAM, TrainingConfig.LossKind.L1, 3, 3, 1f, 80);
        TrainingResult r = new CgcnnTrainer(FeaturizerSettings.reference(), ElementTable.cgcnn()).train(data, data.split(config.splitSeed()), config,
                e -> { }, () -> false, CgcnnTrainer.Checkpointing.NONE);
        CgcnnWeights.BondValence bv = r.weights().bondValence();
        float[] start = PerSiteCgcnn.initialBondValenceRadii(2);
        int oxygen = 8;
        assertEquals(0.75f, start[oxygen * 2], 1e-6f);
        assertEquals(1.05f, start[oxygen * 2 + 1], 1e-6f);
        assertTrue(Math.abs(bv.radius(oxygen, 0) - start[oxygen * 2]) > 1e-5 && Math.abs(bv.radius(oxygen, 1) - start[oxygen * 2 + 1]) > 1e-5,
                "O's radii are learned, not left at their start: " + bv.radius(oxygen, 0) + ", " + bv.radius(oxygen, 1));
        assertEquals(start[0], bv.radius(0, 0), 1e-6f, "padding's row, which no site has, is never moved");
        assertAgree(hp, r.weights());
    }

    @Test
    void djlAndOnnxAgreeForLayerNorm() throws Exception {
        CgcnnHyperparameters hp = CgcnnHyperparameters.reference().withElementAffine(true).withBondValence(4).withLayerNorm(true);
        assertAgree(hp, TestModels.weights(spec(hp), 21));
        assertAgree(new CgcnnHyperparameters(16, 2, 8, 1, Activation.SILU).withLayerNorm(true), TestModels.weights(spec(
                new CgcnnHyperparameters(16, 2, 8, 1, Activation.SILU).withLayerNorm(true)), 22));
    }

    /**
     * The crystal context: DJL means each crystal of a 20-crystal batch over its own sites (a one-hot per crystal), ONNX
     * one crystal at a time (ScatterElements over site_structure); a mean over the batch would not agree.
     */
    @Test
    void djlAndOnnxAgreeForTheCrystalContext() throws Exception {
        CgcnnHyperparameters hp = CgcnnHyperparameters.reference().withElementAffine(true).withBondValence(4).withCrystalContext(true);
        assertAgree(hp, TestModels.weights(spec(hp), 31));
        CgcnnHyperparameters silu = new CgcnnHyperparameters(16, 2, 8, 1, Activation.SILU).withCrystalContext(true);
        assertAgree(silu, TestModels.weights(spec(silu), 32));
    }

    /** A model with the crystal context trains (the head's context half is learned) and serves as the block predicts. */
    @Test
    void aCrystalContextModelTrainsAndServesAsTheBlockPredicts() throws Exception {
        CgcnnHyperparameters hp = new CgcnnHyperparameters(16, 2, 16, 1).withElementAffine(true).withBondValence(2).withCrystalContext(true);
        TrainingConfig config = new TrainingConfig(hp, 2, 16, 0.003f, TrainingConfig.OptimizerKind.ADAM, TrainingConfig.LossKind.L1, 3, 3, 1f, 80);
        TrainingResult r = new CgcnnTrainer(FeaturizerSettings.reference(), ElementTable.cgcnn()).train(data, data.split(config.splitSeed()), config,
                e -> { }, () -> false, CgcnnTrainer.Checkpointing.NONE);
        CgcnnWeights.Linear first = r.weights().hidden().get(0);
        assertEquals(32, first.in(), "the head reads [h; the crystal's mean of h], 2F");
        assertAgree(hp, r.weights());
    }

    /** A LayerNorm model trains (its gammas and betas move; the unused running statistics stay 0 and 1) and serves as the block predicts. */
    @Test
    void aLayerNormModelTrainsAndServesAsTheBlockPredicts() throws Exception {
        CgcnnHyperparameters hp = new CgcnnHyperparameters(16, 2, 16, 1).withElementAffine(true).withLayerNorm(true);
        TrainingConfig config = new TrainingConfig(hp, 2, 16, 0.003f, TrainingConfig.OptimizerKind.ADAM, TrainingConfig.LossKind.L1, 3, 3, 1f, 80);
        TrainingResult r = new CgcnnTrainer(FeaturizerSettings.reference(), ElementTable.cgcnn()).train(data, data.split(config.splitSeed()), config,
                e -> { }, () -> false, CgcnnTrainer.Checkpointing.NONE);
        CgcnnWeights.BatchNorm first = r.weights().conv().get(0).bn1();
        double moved = 0;
        for (int c = 0; c < first.channels(); c++) {
            moved = Math.max(moved, Math.abs(first.gamma()[c] - 1) + Math.abs(first.beta()[c]));
            assertEquals(0f, first.runningMean()[c], "channel " + c + ": LayerNorm keeps no running mean");
            assertEquals(1f, first.runningVar()[c], "channel " + c + ": LayerNorm keeps no running variance");
        }
        assertTrue(moved > 1e-4, "the LayerNorm's gamma and beta are learned, not left at 1 and 0");
        assertAgree(hp, r.weights());
    }

    @Test
    void djlAndOnnxAgreeForAStateHead() throws Exception {
        CgcnnHyperparameters hp = CgcnnHyperparameters.reference().withBondValence(2).withStateBins(5);
        assertAgree(hp, TestModels.weights(spec(hp), 16));
    }

    @Test
    void aStateHeadTrainsAndServesAsTheBlockPredicts() throws Exception {
        CgcnnHyperparameters hp = new CgcnnHyperparameters(16, 1, 16, 1).withStateBins(5);
        TrainingConfig config = new TrainingConfig(hp, 2, 16, 0.003f, TrainingConfig.OptimizerKind.ADAM, TrainingConfig.LossKind.L1, 3, 3, 1f, 80);
        SiteDataset.Split split = data.split(config.splitSeed());
        List<SiteDataset.Example> train = CgcnnTrainer.pick(data, CgcnnTrainer.trainingSubset(split.train(), config));
        double[] norm = CgcnnTrainer.normaliser(train);
        TrainingResult r = new CgcnnTrainer(FeaturizerSettings.reference(), ElementTable.cgcnn()).train(data, split, config, e -> { }, () -> false,
                CgcnnTrainer.Checkpointing.NONE);
        CgcnnWeights.StateBins bins = r.weights().stateBins();
        assertArrayEquals(CgcnnTrainer.stateCentres(train, norm[0], norm[1], 5), bins.centres(), "the centres come from the training labels");
        assertTrue(bins.centre(0, 0) <= (0.05 - norm[0]) / norm[1], "|magmom|: the lowest centre, the 0.5% quantile, is below 0.05 μB");
        assertTrue(Double.isFinite(r.validationMae().get(1)));
        assertAgree(hp, r.weights());
    }

    /**
     * The state loss, worked by hand for one site: target 0.9 with centres (0, 1, 2) picks bin 1; logits (0, 0, ln 2) give
     * it probability 1/4, so the cross-entropy is ln 4; bin 1's value is 1 + 0.3, so the L1 part is |1.3 - 0.9| = 0.4.
     */
    @Test
    void theStateLossIsTheNearestBinsCrossEntropyPlusItsValueLoss() {
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager("PyTorch")) {
            float[] centres = {0f, 1f, 2f};
            ai.djl.ndarray.NDArray logits = m.create(new float[] {0f, 0f, (float) Math.log(2)}, new Shape(1, 1, 3));
            ai.djl.ndarray.NDArray values = m.create(new float[] {5f, 1.3f, -4f}, new Shape(1, 1, 3));
            ai.djl.ndarray.NDArray target = m.create(new float[] {0.9f}, new Shape(1, 1));
            float got = CgcnnTrainer.stateLoss(TrainingConfig.LossKind.L1, logits, values, target, centres).getFloat();
            assertEquals(Math.log(4) * CgcnnTrainer.STATE_CROSS_ENTROPY_WEIGHT + 0.4, got, 1e-5);
        }
    }

    @Test
    void huberIsQuadraticInsideDeltaAndLinearOutside() {
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager("PyTorch")) {
            float d = TrainingConfig.HUBER_DELTA;
            float[] r = {0f, 0.05f, -0.05f, 0.1f, 0.5f, -2f};
            float[] got = CgcnnTrainer.siteLoss(TrainingConfig.LossKind.HUBER, m.create(r, new Shape(r.length, 1))).toFloatArray();
            for (int k = 0; k < r.length; k++) {
                double a = Math.abs(r[k]);
                double expected = a < d ? 0.5 * a * a / d : a - 0.5 * d;
                assertEquals(expected, got[k], 1e-6, "residual " + r[k]);
            }
        }
    }

    private static ModelSpec spec(CgcnnHyperparameters hp) {
        return new ModelSpec("parity", 1, hp, FeaturizerSettings.reference(), List.of(new PropertySpec("magmom", "μB", 0.4, 0.9)), Map.of(), Map.of());
    }

    private void assertAgree(CgcnnHyperparameters hp, CgcnnWeights w) throws Exception {
        ModelSpec spec = spec(hp);
        LoadedModel m = ModelDirectory.write(tmp.resolve("m" + System.nanoTime()), spec, w, ElementTable.cgcnn());
        CgcnnTrainer trainer = new CgcnnTrainer(FeaturizerSettings.reference(), ElementTable.cgcnn());
        TrainingConfig config = new TrainingConfig(hp, 1, 32, 0.003f, TrainingConfig.OptimizerKind.ADAM, TrainingConfig.LossKind.L1, 1);
        List<SiteDataset.Example> examples = data.examples().subList(0, 20);
        PerSiteCgcnn block = trainer.block(config, w.stateBins() == null ? null : w.stateBins().centres());
        try (ai.djl.Model model = ai.djl.Model.newInstance("parity", "PyTorch");
                OnnxInferenceEngine engine = OnnxInferenceEngine.open(ModelDirectory.load(m.directory()), Device.CPU, false, 1)) {
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 92), new Shape(1, 12), new Shape(1, 12), new Shape(1, 12),
                    new Shape(1), new Shape(1));
            CgcnnTrainer.load(block, w);
            List<float[]> djl = CgcnnTrainer.predict(block, model.getNDManager(), ElementTable.cgcnn(), examples, 0.4, 0.9);
            for (int k = 0; k < examples.size(); k++) {
                float[] onnx = engine.predictOne(examples.get(k).graph(), Buckets.defaults());
                for (int i = 0; i < onnx.length; i++) {
                    double tol = 1e-4 * Math.max(Math.abs(djl.get(k)[i]), 0.9);
                    assertTrue(Math.abs(onnx[i] - djl.get(k)[i]) <= tol, examples.get(k).id() + " site " + i + ": DJL " + djl.get(k)[i] + ", ONNX " + onnx[i]);
                }
            }
        }
    }
}
