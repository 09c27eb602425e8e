package org.persite.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestModels;
import org.persite.TestVectors;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.FeaturizerSettings;
import org.persite.model.LoadedModel;

/**
 * The default build carries the CPU ONNX Runtime, so asking for CUDA exercises the fallback path on every
 * machine: auto and cuda fall back to the CPU, and require-gpu refuses to start. (On a GPU machine with
 * the cuda profile the same calls would pick CUDA; no test depends on that.)
 */
class DeviceFallbackTest {
    @TempDir
    Path tmp;

    @Test
    void autoAndCudaFallBackToTheCpuAndStillPredict() throws Exception {
        LoadedModel m = TestModels.write(tmp.resolve("m"), "m", 1, 1, 3);
        var g = new CrystalGraphBuilder(FeaturizerSettings.reference()).build(TestVectors.parseOne(TestVectors.input("cod-1000041.cif")));
        float[] cpu;
        try (OnnxInferenceEngine e = OnnxInferenceEngine.open(m, Device.CPU, false, 1)) {
            assertEquals(Device.CPU, e.device());
            cpu = e.predictOne(g, Buckets.defaults());
        }
        for (Device d : new Device[] {Device.AUTO, Device.CUDA}) {
            try (OnnxInferenceEngine e = OnnxInferenceEngine.open(m, d, false, 1)) {
                if (e.device() == Device.CPU) { // the CPU build, or no usable GPU
                    assertEquals(cpu[0], e.predictOne(g, Buckets.defaults())[0], 1e-6);
                }
                assertTrue(e.warmUp(Buckets.defaults()) >= 0, "every bucket shape runs");
            }
        }
    }

    @Test
    void requireGpuRefusesToStartWithoutCuda() throws Exception {
        LoadedModel m = TestModels.write(tmp.resolve("m"), "m", 1, 1, 3);
        InferenceException e;
        try {
            OnnxInferenceEngine engine = OnnxInferenceEngine.open(m, Device.CUDA, true, 1);
            // a machine where CUDA really starts: nothing to refuse
            assertEquals(Device.CUDA, engine.device());
            engine.close();
            return;
        } catch (InferenceException refused) {
            e = refused;
        }
        assertTrue(e.getMessage().contains("require-gpu"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Device.parse("tpu"));
    }
}
