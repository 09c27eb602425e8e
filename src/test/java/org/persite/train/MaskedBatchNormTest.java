package org.persite.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * In training mode (batch statistics), a convolution's output for every site depends on real neighbour slots only:
 * changing what sits in masked slots (their edge features and neighbour indices) changes nothing. With every slot
 * real the masked and unmasked paths agree.
 */
class MaskedBatchNormTest {
    private static final int N = 7;
    private static final int M = 4;
    private static final int F = 8;
    private static final int G = 5;

    @Test
    void maskedSlotsNeverEnterTheBatchStatistics() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Random r = new Random(3);
            float[] mask = new float[N * M];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = i % M < 2 || r.nextBoolean() ? 1f : 0f; // every site has real slots, some are masked
            }
            float[] x = random(r, N * F);
            long[] index = new long[N * M];
            float[] e = random(r, N * M * G);
            for (int i = 0; i < index.length; i++) {
                index[i] = r.nextInt(N);
            }
            float[] a = run(m, x, index, e, mask);
            // garbage in every masked slot
            long[] index2 = index.clone();
            float[] e2 = e.clone();
            for (int i = 0; i < mask.length; i++) {
                if (mask[i] == 0) {
                    index2[i] = (index[i] + 3) % N;
                    for (int k = 0; k < G; k++) {
                        e2[i * G + k] = 50f * r.nextFloat() - 25f;
                    }
                }
            }
            float[] b = run(m, x, index2, e2, mask);
            assertArrayEquals(a, b, 1e-5f, "the masked slots' contents changed the output");
            // and the test could fail: the same change on a real slot does change it
            long[] index3 = index.clone();
            index3[0] = (index[0] + 1) % N;
            float[] c = run(m, x, index3, e, mask);
            double diff = 0;
            for (int i = 0; i < a.length; i++) {
                diff = Math.max(diff, Math.abs(a[i] - c[i]));
            }
            assertTrue(diff > 1e-4, "a real slot's neighbour matters: " + diff);
        }
    }

    /** One training-mode forward pass of a freshly initialised convolution (fixed seed), [N, F]. */
    private static float[] run(NDManager parent, float[] x, long[] index, float[] e, float[] mask) {
        try (NDManager m = parent.newSubManager()) {
            ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed(11);
            GatedConvolution conv = new GatedConvolution(F, G, 1e-5f, org.persite.model.Activation.SOFTPLUS);
            conv.setInitializer(new NormalInitializer(0.3f), ai.djl.nn.Parameter.Type.WEIGHT);
            conv.initialize(m, DataType.FLOAT32, new Shape(N, F), new Shape(N, M), new Shape(N, M, G), new Shape(N, M));
            NDList in = new NDList(m.create(x, new Shape(N, F)), m.create(index, new Shape(N, M)), m.create(e, new Shape(N, M, G)),
                    m.create(mask, new Shape(N, M)));
            NDArray out = conv.forward(new ParameterStore(m, false), in, true).singletonOrThrow();
            return out.toFloatArray();
        }
    }

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }
}
