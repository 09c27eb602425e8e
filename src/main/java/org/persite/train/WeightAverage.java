package org.persite.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An exponential moving average of a block's parameters over the optimiser's updates (issue 20 item 9, "EMA of
 * weights"): after update t, {@code a ← d_t·a + (1 − d_t)·w} with {@code d_t = min(decay, (1 + t) / (10 + t))}, so
 * the first updates are not held back by the random initial weights. Every parameter is averaged, the running
 * BatchNorm statistics included (the averaged network must see the statistics its averaged weights produce).
 *
 * <p>The averages live as arrays beside the parameters [each of its parameter's shape], in the parameters' manager;
 * the update closes every temporary it makes, so a run holds no more arrays after epoch 60 than after epoch 1.
 */
final class WeightAverage implements AutoCloseable {
    /** The warm-up's offset: d_t = (1 + t) / (WARM_UP + t) until that reaches the decay. */
    static final int WARM_UP = 10;

    private final float decay;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, NDArray> average = new LinkedHashMap<>();

    /** Starts the average at the block's current parameters (an initialised block). */
    WeightAverage(Block block, float decay) {
        if (!(decay > 0 && decay < 1)) {
            throw new IllegalArgumentException("the weight average's decay must lie in (0, 1), not " + decay);
        }
        this.decay = decay;
        for (Pair<String, Parameter> p : block.getParameters()) {
            parameters.put(p.getKey(), p.getValue());
            average.put(p.getKey(), p.getValue().getArray().duplicate());
        }
    }

    /** The decay applied at update t (1-based): the warm-up's (1 + t) / (10 + t), capped at the configured decay. */
    static float decayAt(long t, float decay) {
        return Math.min(decay, (1f + t) / (WARM_UP + t));
    }

    /** Folds in the parameters as they are after update {@code t} (1-based). */
    void update(long t) {
        float d = decayAt(t, decay);
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            try (NDArray part = e.getValue().getArray().mul(1f - d)) {
                average.get(e.getKey()).muli(d).addi(part);
            }
        }
    }

    /** The averaged values by parameter name [each flattened], in {@link CgcnnTrainer}'s snapshot layout. */
    Map<String, float[]> values() {
        Map<String, float[]> out = new LinkedHashMap<>();
        average.forEach((k, a) -> out.put(k, a.toFloatArray()));
        return out;
    }

    /**
     * Sets the averages from saved values (a checkpoint's).
     *
     * @throws IllegalArgumentException when a parameter is missing or of another length
     */
    void restore(Map<String, float[]> saved) {
        for (Map.Entry<String, NDArray> e : average.entrySet()) {
            float[] v = saved.get(e.getKey());
            if (v == null || v.length != e.getValue().getShape().size()) {
                throw new IllegalArgumentException("the checkpoint's weight average has no values of the right length for parameter " + e.getKey());
            }
            e.getValue().set(v);
        }
    }

    @Override
    public void close() {
        average.values().forEach(NDArray::close);
    }
}
