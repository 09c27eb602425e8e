package org.persite.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam, or SGD with momentum 0.9, with state that can be saved and restored, so that a resumed run continues
 * exactly. DJL's own optimizers keep their moments and update counts in private fields. This one runs the same
 * fused PyTorch kernels ({@code adamUpdate}, {@code sgdUpdate}) with the same bias correction as DJL's Adam
 * (learning rate × sqrt(1 - β2^t) / (1 - β1^t)), and holds:
 * <ul>
 *   <li>the number of updates so far, t (one update = one {@code Trainer.step()}, shared by every parameter);</li>
 *   <li>per parameter: Adam's first and second moments [same shape as the weight], or SGD's momentum.</li>
 * </ul>
 * The learning rate follows {@code schedule} at update t, so a resumed run also resumes the schedule.
 */
final class ResumableOptimizer extends Optimizer {
    static final float BETA1 = 0.9f;
    static final float BETA2 = 0.999f;
    static final float EPSILON = 1e-8f;
    static final float SGD_MOMENTUM = 0.9f;

    private final TrainingConfig.OptimizerKind kind;
    private final Tracker schedule;
    /** Updates made to each parameter so far (all equal between steps). */
    private final Map<String, Integer> updates = new LinkedHashMap<>();
    /** Adam: first moments; SGD: momentum. */
    private final Map<String, NDArray> first = new LinkedHashMap<>();
    /** Adam: second moments. */
    private final Map<String, NDArray> second = new LinkedHashMap<>();

    ResumableOptimizer(TrainingConfig.OptimizerKind kind, Tracker schedule) {
        super(new Builder());
        this.kind = kind;
        this.schedule = schedule;
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        int t = updates.merge(parameterId, 1, Integer::sum);
        float lr = schedule.getNewValue(t);
        NDArray m = first.computeIfAbsent(parameterId, k -> weight.zerosLike());
        if (kind == TrainingConfig.OptimizerKind.ADAM) {
            NDArray v = second.computeIfAbsent(parameterId, k -> weight.zerosLike());
            double coef1 = 1.0 - Math.pow(BETA1, t);
            double coef2 = 1.0 - Math.pow(BETA2, t);
            float corrected = (float) (lr * Math.sqrt(coef2) / coef1);
            weight.getNDArrayInternal().adamUpdate(new NDList(weight, grad, m, v), new NDList(weight), lr, corrected, getWeightDecay(),
                    rescaleGrad, clipGrad, BETA1, BETA2, EPSILON, true, false);
        } else {
            weight.getNDArrayInternal().sgdUpdate(new NDList(weight, grad, m), new NDList(weight), lr, getWeightDecay(), rescaleGrad,
                    clipGrad, SGD_MOMENTUM, true);
        }
    }

    /** The optimiser's state, by parameter id: update count and moments (copies, in float arrays). */
    record State(Map<String, Integer> updates, Map<String, float[]> first, Map<String, float[]> second) {
    }

    State state() {
        Map<String, float[]> f = new LinkedHashMap<>();
        first.forEach((k, a) -> f.put(k, a.toFloatArray()));
        Map<String, float[]> s = new LinkedHashMap<>();
        second.forEach((k, a) -> s.put(k, a.toFloatArray()));
        return new State(new LinkedHashMap<>(updates), f, s);
    }

    /**
     * Restores a saved state; {@code weights} gives each parameter's array (for shape and manager), by id.
     *
     * @throws IllegalArgumentException when the saved state names a parameter that is not there, or a length differs
     */
    void restore(State saved, Map<String, NDArray> weights) {
        updates.clear();
        updates.putAll(saved.updates());
        restore(saved.first(), first, weights);
        restore(saved.second(), second, weights);
    }

    private static void restore(Map<String, float[]> saved, Map<String, NDArray> into, Map<String, NDArray> weights) {
        into.values().forEach(NDArray::close);
        into.clear();
        for (Map.Entry<String, float[]> e : saved.entrySet()) {
            NDArray w = weights.get(e.getKey());
            if (w == null || w.getShape().size() != e.getValue().length) {
                throw new IllegalArgumentException("the checkpoint's optimiser state does not fit parameter " + e.getKey());
            }
            NDArray a = w.zerosLike();
            a.set(e.getValue());
            into.put(e.getKey(), a);
        }
    }

    private static final class Builder extends OptimizerBuilder<Builder> {
        @Override
        protected Builder self() {
            return this;
        }
    }
}
