package org.persite.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The weight average worked by hand on a 2 → 1 linear layer: the warm-up, the capped decay, restore. */
class WeightAverageTest {

    @Test
    void theWarmUpRisesToTheDecayAndStopsThere() {
        assertEquals(2f / 11f, WeightAverage.decayAt(1, 0.999f), 1e-7f);
        assertEquals(101f / 110f, WeightAverage.decayAt(100, 0.999f), 1e-7f);
        assertEquals(0.999f, WeightAverage.decayAt(100_000, 0.999f), 1e-7f);
        assertEquals(0.5f, WeightAverage.decayAt(100, 0.5f), 1e-7f);
    }

    @Test
    void eachUpdateFoldsInTheCurrentWeightsByHand() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Linear l = Linear.builder().setUnits(1).build();
            l.initialize(m, DataType.FLOAT32, new Shape(1, 2));
            l.getParameters().get("weight").getArray().set(new float[] {1f, 2f});   // [1, 2]
            l.getParameters().get("bias").getArray().set(new float[] {4f});         // [1]
            try (WeightAverage a = new WeightAverage(l, 0.5f)) {
                l.getParameters().get("weight").getArray().set(new float[] {3f, -2f});
                l.getParameters().get("bias").getArray().set(new float[] {0f});
                a.update(1);    // d = min(0.5, 2 / 11) = 2/11: a = 2/11 · old + 9/11 · new
                Map<String, float[]> v = a.values();
                assertArrayEquals(new float[] {(2f * 1 + 9f * 3) / 11f, (2f * 2 - 9f * 2) / 11f}, v.get("weight"), 1e-6f);
                assertArrayEquals(new float[] {2f * 4 / 11f}, v.get("bias"), 1e-6f);
                a.update(1000); // d = 0.5, the parameters unchanged since: halfway to them
                v = a.values();
                assertArrayEquals(new float[] {(29f / 11f + 3f) / 2f, (-14f / 11f - 2f) / 2f}, v.get("weight"), 1e-6f);
                assertArrayEquals(new float[] {4f / 11f}, v.get("bias"), 1e-6f);
                // the layer itself is untouched by the average
                assertArrayEquals(new float[] {3f, -2f}, l.getParameters().get("weight").getArray().toFloatArray());
                float[] y = l.forward(new ParameterStore(m, false), new ai.djl.ndarray.NDList(m.create(new float[] {1f, 1f}, new Shape(1, 2))), false)
                        .singletonOrThrow().toFloatArray();
                assertArrayEquals(new float[] {1f}, y, 1e-6f);

                a.restore(Map.of("weight", new float[] {7f, 8f}, "bias", new float[] {9f}));
                assertArrayEquals(new float[] {7f, 8f}, a.values().get("weight"));
                assertThrows(IllegalArgumentException.class, () -> a.restore(Map.of("weight", new float[] {7f}, "bias", new float[] {9f})));
                assertThrows(IllegalArgumentException.class, () -> a.restore(Map.of("weight", new float[] {7f, 8f})));
            }
            assertThrows(IllegalArgumentException.class, () -> new WeightAverage(l, 1f));
            assertThrows(IllegalArgumentException.class, () -> new WeightAverage(l, 0f));
        }
    }
}
