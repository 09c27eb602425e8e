package org.persite.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
 * The opt-in SiLU architecture trains what it serves: DJL's block (the training forward pass, eval mode) and the
 * exported ONNX graph compute the same per-site values for the same weights, on real structures with masked slots.
 */
class SiluParityTest {
    @TempDir
    Path tmp;

    @Test
    void djlAndOnnxAgreeForSilu() throws Exception {
        TargetSpec target = new TargetSpec("magmom", TargetSpec.Transform.ABS, "paper_filter", "μB");
        SiteDataset data = SiteDataset.load(TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl"), target, FeaturizerSettings.reference(),
                TestVectors.READER);
        CgcnnHyperparameters hp = CgcnnHyperparameters.reference().with(Activation.SILU);
        ModelSpec spec = new ModelSpec("silu-parity", 1, hp, FeaturizerSettings.reference(), List.of(new PropertySpec("magmom", "μB", 0.4, 0.9)),
                Map.of(), Map.of());
        CgcnnWeights w = TestModels.weights(spec, 12);
        LoadedModel m = ModelDirectory.write(tmp.resolve("m"), spec, w, ElementTable.cgcnn());
        CgcnnTrainer trainer = new CgcnnTrainer(FeaturizerSettings.reference(), ElementTable.cgcnn());
        TrainingConfig config = new TrainingConfig(hp, 1, 32, 0.003f, TrainingConfig.OptimizerKind.ADAM, TrainingConfig.LossKind.L1, 1);
        List<SiteDataset.Example> examples = data.examples().subList(0, 20);
        PerSiteCgcnn block = trainer.block(config);
        try (ai.djl.Model model = ai.djl.Model.newInstance("silu-parity", "PyTorch");
                OnnxInferenceEngine engine = OnnxInferenceEngine.open(ModelDirectory.load(m.directory()), Device.CPU, false, 1)) {
            model.setBlock(block);
            block.initialize(model.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32, new ai.djl.ndarray.types.Shape(1, 92),
                    new ai.djl.ndarray.types.Shape(1, 12), new ai.djl.ndarray.types.Shape(1, 12), new ai.djl.ndarray.types.Shape(1, 12));
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
