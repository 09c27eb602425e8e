package org.persite.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestVectors;
import org.persite.graph.ElementTable;
import org.persite.graph.FeaturizerSettings;
import org.persite.inference.Buckets;
import org.persite.inference.Device;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.model.CgcnnHyperparameters;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.ModelSpec;
import org.persite.model.PropertySpec;

/**
 * Real DJL training (PyTorch engine, offline) on the shipped sample of Materials Project magnetic moments:
 * the loss falls, the best validation MAE beats the per-element baseline, and the exported ONNX model
 * computes what the DJL model computes.
 */
class TrainingTest {
    static SiteDataset data;
    static SiteDataset.Split split;
    static TrainingResult result;
    static CgcnnTrainer trainer;
    static TrainingConfig config;
    @TempDir
    static Path tmp;

    @BeforeAll
    static void train() {
        assertTrue(Boolean.getBoolean("ai.djl.offline"), "DJL must run offline: nothing is downloaded at run time");
        TargetSpec target = new TargetSpec("magmom", TargetSpec.Transform.ABS, "paper_filter", "μB");
        data = SiteDataset.load(TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl"), target, FeaturizerSettings.reference(),
                TestVectors.READER);
        split = data.split(1);
        config = new TrainingConfig(CgcnnHyperparameters.reference(), Integer.getInteger("persite.test.epochs", 30), 32, 0.003f,
                TrainingConfig.OptimizerKind.ADAM, TrainingConfig.LossKind.L1, 1);
        trainer = new CgcnnTrainer(FeaturizerSettings.reference(), ElementTable.cgcnn());
        result = trainer.train(data, split, config, r -> System.out.printf("epoch %d/%d loss %.4f val MAE %.4f (%.1f s)%n",
                r.epoch(), r.epochs(), r.trainLoss(), r.validationMae(), r.seconds()));
    }

    @Test
    void theSplitIsSixtyTwentyTwentyAndReproducible() {
        assertEquals(500, data.size());
        assertEquals(300, split.train().size());
        assertEquals(100, split.validation().size());
        assertEquals(100, split.test().size());
        assertEquals(split, data.split(1));
    }

    @Test
    void theLossFallsAndTheModelBeatsThePerElementAverage() throws Exception {
        List<Double> loss = result.trainLoss();
        assertTrue(loss.get(loss.size() - 1) < 0.7 * loss.get(0), "training loss " + loss);
        List<SiteDataset.Example> train = CgcnnTrainer.pick(data, split.train());
        List<SiteDataset.Example> val = CgcnnTrainer.pick(data, split.validation());
        PerElementBaseline baseline = new PerElementBaseline(train);
        SiteMetrics base = SiteMetrics.of(val, val.stream().map(baseline::predict).toList());
        // the kept weights, through the exported model (the path every prediction takes)
        ModelSpec spec = new ModelSpec("magmom-val", 1, config.hyperparameters(), FeaturizerSettings.reference(),
                List.of(new PropertySpec("magmom", "μB", result.mean(), result.std())), Map.of(), Map.of());
        LoadedModel m = ModelDirectory.write(tmp.resolve("val"), spec, result.weights(), ElementTable.cgcnn());
        List<float[]> predictions = new java.util.ArrayList<>();
        try (OnnxInferenceEngine engine = OnnxInferenceEngine.open(m, Device.CPU, false, 1)) {
            for (SiteDataset.Example e : val) {
                predictions.add(engine.predictOne(e.graph(), Buckets.defaults()));
            }
        }
        SiteMetrics cgcnn = SiteMetrics.of(val, predictions);
        assertEquals(result.validationMae().get(result.bestEpoch() - 1), cgcnn.mae(), 1e-4, "the kept epoch is the best one");
        System.out.printf("validation MAE (μB): CGCNN %.4f all sites, %.4f TM sites; per-element %.4f, %.4f (%d epochs, best %d, %.1f s)%n",
                cgcnn.mae(), cgcnn.maeTransitionMetals(), base.mae(), base.maeTransitionMetals(), config.epochs(), result.bestEpoch(), result.seconds());
        assertTrue(cgcnn.mae() < base.mae(), "all sites: CGCNN " + cgcnn.mae() + " vs per-element " + base.mae());
        assertTrue(cgcnn.maeTransitionMetals() < base.maeTransitionMetals(),
                "TM sites: CGCNN " + cgcnn.maeTransitionMetals() + " vs per-element " + base.maeTransitionMetals());
    }

    @Test
    void theExportedOnnxModelComputesWhatDjlComputes() throws Exception {
        ModelSpec spec = new ModelSpec("magmom-test", 1, config.hyperparameters(), FeaturizerSettings.reference(),
                List.of(new PropertySpec("magmom", "μB", result.mean(), result.std())), Map.of("data", "sample_500"), Map.of());
        LoadedModel m = ModelDirectory.write(tmp.resolve("m"), spec, result.weights(), ElementTable.cgcnn());
        List<SiteDataset.Example> val = CgcnnTrainer.pick(data, split.validation()).subList(0, 20);
        PerSiteCgcnn block = trainer.block(config);
        try (ai.djl.Model model = ai.djl.Model.newInstance("parity", "PyTorch");
                OnnxInferenceEngine engine = OnnxInferenceEngine.open(ModelDirectory.load(m.directory()), Device.CPU, false, 1)) {
            model.setBlock(block);
            block.initialize(model.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32, new ai.djl.ndarray.types.Shape(1, 92),
                    new ai.djl.ndarray.types.Shape(1, 12), new ai.djl.ndarray.types.Shape(1, 12), new ai.djl.ndarray.types.Shape(1, 12));
            CgcnnTrainer.load(block, result.weights());
            List<float[]> djl = CgcnnTrainer.predict(block, model.getNDManager(), ElementTable.cgcnn(), val, result.mean(), result.std());
            for (int k = 0; k < val.size(); k++) {
                float[] onnx = engine.predictOne(val.get(k).graph(), Buckets.defaults());
                for (int i = 0; i < onnx.length; i++) {
                    double tol = 1e-4 * Math.max(Math.abs(djl.get(k)[i]), result.std());
                    assertTrue(Math.abs(onnx[i] - djl.get(k)[i]) <= tol, val.get(k).id() + " site " + i + ": DJL " + djl.get(k)[i] + ", ONNX " + onnx[i]);
                }
            }
        }
    }

    /** The paper's MLP baseline (no convolution) learns too: it beats the per-element average on validation. */
    @Test
    void theMlpBaselineLearns() {
        List<SiteDataset.Example> train = CgcnnTrainer.pick(data, split.train());
        List<SiteDataset.Example> val = CgcnnTrainer.pick(data, split.validation());
        PerElementBaseline perElement = new PerElementBaseline(train);
        SiteMetrics base = SiteMetrics.of(val, val.stream().map(perElement::predict).toList());
        try (MlpBaseline mlp = new MlpBaseline(FeaturizerSettings.reference(), ElementTable.cgcnn(), 128, 1)) {
            assertEquals(92 + 12 * (92 + 41), mlp.inputLength());
            mlp.fit(train, val, 30, 32, 0.003f, 1);
            SiteMetrics m = SiteMetrics.of(val, mlp.predict(val));
            System.out.printf("validation MAE (μB): MLP %.4f all sites, %.4f TM; per-element %.4f, %.4f%n", m.mae(), m.maeTransitionMetals(),
                    base.mae(), base.maeTransitionMetals());
            assertTrue(m.mae() < base.mae(), "MLP " + m.mae() + " vs per-element " + base.mae());
        }
    }
}
