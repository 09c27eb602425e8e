package org.persite.train;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.CosineTracker;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.persite.graph.ElementTable;
import org.persite.graph.FeaturizerSettings;
import org.persite.graph.GaussianExpansion;
import org.persite.model.CgcnnWeights;

/**
 * Trains a {@link PerSiteCgcnn} with DJL on PyTorch, keeping the weights of the epoch with the best
 * validation MAE. Targets are normalised with the training split's mean and std. Blocking: run it off any
 * actor dispatcher.
 */
public final class CgcnnTrainer {
    /** One epoch's figures, for progress reports. */
    public record EpochReport(int epoch, int epochs, double trainLoss, double validationMae, double seconds) {
    }

    private final FeaturizerSettings featurizer;
    private final ElementTable table;

    public CgcnnTrainer(FeaturizerSettings featurizer, ElementTable table) {
        this.featurizer = featurizer;
        this.table = table;
    }

    /** Builds the block for a config (its weights are initialised by {@link #train}). */
    PerSiteCgcnn block(TrainingConfig config) {
        GaussianExpansion g = new GaussianExpansion(featurizer);
        float[] centers = new float[g.size()];
        for (int k = 0; k < centers.length; k++) {
            centers[k] = (float) g.center(k);
        }
        return PerSiteCgcnn.builder().setElementFeatures(table.featureLength()).setGaussians(centers, (float) featurizer.gaussianVar())
                .setProperties(1).optHyperparameters(config.hyperparameters()).build();
    }

    public TrainingResult train(SiteDataset data, SiteDataset.Split split, TrainingConfig config, Consumer<EpochReport> progress) {
        return train(data, split, config, progress, () -> false);
    }

    /**
     * Trains, keeping the weights of the epoch with the best validation MAE.
     *
     * @param cancelled checked before every batch; when true, training stops with a {@link java.util.concurrent.CancellationException}
     * @throws IllegalStateException when a batch's loss is not finite (the run diverged), at that batch
     */
    public TrainingResult train(SiteDataset data, SiteDataset.Split split, TrainingConfig config, Consumer<EpochReport> progress,
            java.util.function.BooleanSupplier cancelled) {
        long t0 = System.nanoTime();
        List<SiteDataset.Example> train = pick(data, split.train());
        List<SiteDataset.Example> validation = pick(data, split.validation());
        double[] norm = normaliser(train);
        Engine.getEngine("PyTorch").setRandomSeed((int) config.seed());
        PerSiteCgcnn block = block(config);
        try (Model model = Model.newInstance("persite-cgcnn", "PyTorch")) {
            model.setBlock(block);
            int steps = config.epochs() * Math.max(1, (train.size() + config.batchCrystals() - 1) / config.batchCrystals());
            CosineTracker lr = CosineTracker.builder().setBaseValue(config.learningRate()).optFinalValue(config.learningRate() * 0.01f)
                    .setMaxUpdates(steps).build();
            Optimizer optimizer = config.optimizer() == TrainingConfig.OptimizerKind.ADAM
                    ? Optimizer.adam().optLearningRateTracker(lr).build()
                    : Optimizer.sgd().setLearningRateTracker(lr).optMomentum(0.9f).build();
            DefaultTrainingConfig djl = new DefaultTrainingConfig(Loss.l1Loss()).optOptimizer(optimizer);
            try (Trainer trainer = model.newTrainer(djl)) {
                int m = featurizer.maxNeighbors();
                trainer.initialize(new Shape(1, table.featureLength()), new Shape(1, m), new Shape(1, m), new Shape(1, m));
                List<Double> losses = new ArrayList<>();
                List<Double> maes = new ArrayList<>();
                double best = Double.POSITIVE_INFINITY;
                int bestEpoch = 0;
                List<float[]> bestParams = null;
                Random order = new Random(config.seed());
                for (int epoch = 1; epoch <= config.epochs(); epoch++) {
                    long e0 = System.nanoTime();
                    List<SiteDataset.Example> shuffled = new ArrayList<>(train);
                    Collections.shuffle(shuffled, order);
                    double lossSum = 0;
                    int batches = 0;
                    for (int from = 0; from < shuffled.size(); from += config.batchCrystals()) {
                        if (cancelled.getAsBoolean()) {
                            throw new java.util.concurrent.CancellationException("training cancelled in epoch " + epoch);
                        }
                        List<SiteDataset.Example> chunk = shuffled.subList(from, Math.min(shuffled.size(), from + config.batchCrystals()));
                        try (NDManager batchManager = trainer.getManager().newSubManager()) {
                            TrainingBatch b = TrainingBatch.of(batchManager, chunk, table, norm[0], norm[1]);
                            try (GradientCollector gc = trainer.newGradientCollector()) {
                                NDArray pred = trainer.forward(b.inputs).singletonOrThrow();      // [N, 1]
                                NDArray diff = pred.sub(b.targets);
                                NDArray per = config.loss() == TrainingConfig.LossKind.L1 ? diff.abs() : diff.square();
                                NDArray loss = per.mul(b.labelMask).sum().div(b.labelMask.sum().maximum(1f));
                                float value = loss.getFloat();
                                if (!Float.isFinite(value)) {
                                    throw new IllegalStateException("the training loss is not finite (" + value + ") at epoch " + epoch + ", batch "
                                            + (batches + 1) + ": the run diverged; lower the learning rate");
                                }
                                gc.backward(loss);
                                lossSum += value;
                            }
                            trainer.step();
                            batches++;
                        }
                    }
                    double mae = SiteMetrics.of(validation, predict(block, trainer.getManager(), table, validation, norm[0], norm[1])).mae();
                    losses.add(lossSum / Math.max(1, batches));
                    maes.add(mae);
                    if (mae < best) {
                        best = mae;
                        bestEpoch = epoch;
                        bestParams = snapshot(block);
                    }
                    if (progress != null) {
                        progress.accept(new EpochReport(epoch, config.epochs(), losses.get(losses.size() - 1), mae, (System.nanoTime() - e0) / 1e9));
                    }
                }
                restore(block, bestParams);
                CgcnnWeights weights = export(block);
                return new TrainingResult(weights, bestEpoch, losses, maes, norm[0], norm[1], (System.nanoTime() - t0) / 1e9);
            }
        }
    }

    /** Predictions [N] in target units for each example, with the block in inference mode. */
    static List<float[]> predict(PerSiteCgcnn block, NDManager parent, ElementTable table, List<SiteDataset.Example> examples, double mean,
            double std) {
        List<float[]> out = new ArrayList<>();
        int step = 64;
        for (int from = 0; from < examples.size(); from += step) {
            List<SiteDataset.Example> chunk = examples.subList(from, Math.min(examples.size(), from + step));
            try (NDManager m = parent.newSubManager()) {
                TrainingBatch b = TrainingBatch.of(m, chunk, table, mean, std);
                float[] p = block.forward(new ParameterStore(m, false), b.inputs, false).singletonOrThrow().toFloatArray();
                int offset = 0;
                for (SiteDataset.Example e : chunk) {
                    float[] v = new float[e.graph().numSites()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) (p[offset + i] * std + mean);
                    }
                    out.add(v);
                    offset += v.length;
                }
            }
        }
        return out;
    }

    static List<SiteDataset.Example> pick(SiteDataset data, List<Integer> idx) {
        List<SiteDataset.Example> out = new ArrayList<>(idx.size());
        for (int i : idx) {
            out.add(data.get(i));
        }
        return out;
    }

    /** {mean, std} of the labelled training targets (std floored at 1e-6). */
    static double[] normaliser(List<SiteDataset.Example> train) {
        double sum = 0;
        double sq = 0;
        long n = 0;
        for (SiteDataset.Example e : train) {
            for (float t : e.targets()) {
                if (!Float.isNaN(t)) {
                    sum += t;
                    sq += (double) t * t;
                    n++;
                }
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("the training split has no labelled site");
        }
        double mean = sum / n;
        double std = Math.sqrt(Math.max(sq / n - mean * mean, 0));
        return new double[] {mean, Math.max(std, 1e-6)};
    }

    private static List<float[]> snapshot(PerSiteCgcnn block) {
        List<float[]> out = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            out.add(p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    private static void restore(PerSiteCgcnn block, List<float[]> values) {
        if (values == null) {
            return;
        }
        int k = 0;
        for (Pair<String, Parameter> p : block.getParameters()) {
            p.getValue().getArray().set(values.get(k++));
        }
    }

    /** Sets an initialised block's parameters from weights in the writer's layout (the inverse of export). */
    static void load(PerSiteCgcnn block, CgcnnWeights w) {
        set(block.embedding(), w.embedding());
        for (int l = 0; l < w.conv().size(); l++) {
            GatedConvolution c = block.convolutions().get(l);
            CgcnnWeights.ConvLayer cw = w.conv().get(l);
            set(c.full(), cw.full());
            set(c.batchNorm1(), cw.bn1());
            set(c.batchNorm2(), cw.bn2());
        }
        for (int h = 0; h < w.hidden().size(); h++) {
            set(block.hiddenLayers().get(h), w.hidden().get(h));
        }
        set(block.output(), w.out());
    }

    private static void set(Linear l, CgcnnWeights.Linear w) {
        l.getParameters().get("weight").getArray().set(w.weight());
        l.getParameters().get("bias").getArray().set(w.bias());
    }

    private static void set(Parameter[] p, CgcnnWeights.BatchNorm bn) {
        p[0].getArray().set(bn.gamma());
        p[1].getArray().set(bn.beta());
        p[2].getArray().set(bn.runningMean());
        p[3].getArray().set(bn.runningVar());
    }

    /** The block's current weights in the writer's (PyTorch) layout. */
    static CgcnnWeights export(PerSiteCgcnn block) {
        List<CgcnnWeights.ConvLayer> conv = new ArrayList<>();
        for (GatedConvolution c : block.convolutions()) {
            conv.add(new CgcnnWeights.ConvLayer(linear(c.full()), batchNorm(c.batchNorm1()), batchNorm(c.batchNorm2())));
        }
        List<CgcnnWeights.Linear> hidden = new ArrayList<>();
        for (Linear h : block.hiddenLayers()) {
            hidden.add(linear(h));
        }
        return new CgcnnWeights(linear(block.embedding()), conv, hidden, linear(block.output()), 1e-5);
    }

    private static CgcnnWeights.Linear linear(Linear l) {
        NDArray w = l.getParameters().get("weight").getArray();   // [out, in]
        NDArray b = l.getParameters().get("bias").getArray();     // [out]
        return new CgcnnWeights.Linear((int) w.getShape().get(0), (int) w.getShape().get(1), w.toFloatArray(), b.toFloatArray());
    }

    private static CgcnnWeights.BatchNorm batchNorm(Parameter[] p) {
        float[] gamma = p[0].getArray().toFloatArray();
        return new CgcnnWeights.BatchNorm(gamma.length, gamma, p[1].getArray().toFloatArray(), p[2].getArray().toFloatArray(),
                p[3].getArray().toFloatArray());
    }
}
