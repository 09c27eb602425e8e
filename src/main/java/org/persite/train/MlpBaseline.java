package org.persite.train;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.CosineTracker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.persite.graph.CrystalGraph;
import org.persite.graph.ElementTable;
import org.persite.graph.FeaturizerSettings;
import org.persite.graph.GaussianExpansion;

/**
 * The paper's MLP baseline: each site is described by its own element features plus, for each of its M
 * nearest neighbours within the same cutoff, the neighbour's element features and its Gaussian-expanded
 * distance (zeros for a masked slot), and a multilayer perceptron maps that to the target. No convolution:
 * a site sees its neighbours' elements, never their learned states.
 *
 * <p>Input per site [A + M·(A + G)] (1,688 for the reference settings), hidden layers of width H with
 * softplus, one output. Trained like the CGCNN: normalised targets, L1, Adam with cosine decay, the epoch
 * with the best validation MAE kept.
 */
public final class MlpBaseline implements AutoCloseable {
    private final ElementTable table;
    private final GaussianExpansion gaussians;
    private final int m;
    private final Model model;
    private final SequentialBlock block;
    private double mean;
    private double std = 1;

    public MlpBaseline(FeaturizerSettings featurizer, ElementTable table, int hiddenWidth, int hiddenLayers) {
        this.table = table;
        this.gaussians = new GaussianExpansion(featurizer);
        this.m = featurizer.maxNeighbors();
        this.block = new SequentialBlock();
        for (int h = 0; h < hiddenLayers; h++) {
            block.add(Linear.builder().setUnits(hiddenWidth).build()).add(Activation::softPlus);
        }
        block.add(Linear.builder().setUnits(1).build());
        this.model = Model.newInstance("persite-mlp", "PyTorch");
        model.setBlock(block);
    }

    /** A + M·(A + G). */
    public int inputLength() {
        return table.featureLength() + m * (table.featureLength() + gaussians.size());
    }

    /** Trains on the training split and keeps the epoch with the best validation MAE. */
    public void fit(List<SiteDataset.Example> train, List<SiteDataset.Example> validation, int epochs, int batchCrystals, float lr, long seed) {
        double[] norm = CgcnnTrainer.normaliser(train);
        mean = norm[0];
        std = norm[1];
        Engine.getEngine("PyTorch").setRandomSeed((int) seed);
        int steps = epochs * Math.max(1, (train.size() + batchCrystals - 1) / batchCrystals);
        Optimizer adam = Optimizer.adam().optLearningRateTracker(CosineTracker.builder().setBaseValue(lr).optFinalValue(lr * 0.01f)
                .setMaxUpdates(steps).build()).build();
        try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l1Loss()).optOptimizer(adam))) {
            trainer.initialize(new Shape(1, inputLength()));
            Random order = new Random(seed);
            double best = Double.POSITIVE_INFINITY;
            List<float[]> bestParams = null;
            for (int epoch = 0; epoch < epochs; epoch++) {
                List<SiteDataset.Example> shuffled = new ArrayList<>(train);
                Collections.shuffle(shuffled, order);
                for (int from = 0; from < shuffled.size(); from += batchCrystals) {
                    List<SiteDataset.Example> chunk = shuffled.subList(from, Math.min(shuffled.size(), from + batchCrystals));
                    try (NDManager bm = trainer.getManager().newSubManager()) {
                        NDArray x = features(bm, chunk);
                        float[][] t = targets(chunk);
                        NDArray y = bm.create(t[0], new Shape(t[0].length, 1));
                        NDArray labelled = bm.create(t[1], new Shape(t[1].length, 1));
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDArray pred = trainer.forward(new NDList(x)).singletonOrThrow();
                            NDArray loss = pred.sub(y).abs().mul(labelled).sum().div(labelled.sum().maximum(1f));
                            gc.backward(loss);
                        }
                        trainer.step();
                    }
                }
                double mae = SiteMetrics.of(validation, predict(validation)).mae();
                if (mae < best) {
                    best = mae;
                    bestParams = new ArrayList<>();
                    for (var p : block.getParameters()) {
                        bestParams.add(p.getValue().getArray().toFloatArray());
                    }
                }
            }
            if (bestParams != null) {
                int k = 0;
                for (var p : block.getParameters()) {
                    p.getValue().getArray().set(bestParams.get(k++));
                }
            }
        }
    }

    /** Predictions [N] in target units for each example. */
    public List<float[]> predict(List<SiteDataset.Example> examples) {
        List<float[]> out = new ArrayList<>();
        for (SiteDataset.Example e : examples) {
            try (NDManager nm = model.getNDManager().newSubManager()) {
                float[] p = block.forward(new ParameterStore(nm, false), new NDList(features(nm, List.of(e))), false).singletonOrThrow().toFloatArray();
                float[] v = new float[p.length];
                for (int i = 0; i < p.length; i++) {
                    v[i] = (float) (p[i] * std + mean);
                }
                out.add(v);
            }
        }
        return out;
    }

    /** [sites, A + M·(A + G)] for the sites of the examples, in order. */
    NDArray features(NDManager nm, List<SiteDataset.Example> examples) {
        int a = table.featureLength();
        int g = gaussians.size();
        int width = inputLength();
        int sites = 0;
        for (SiteDataset.Example e : examples) {
            sites += e.graph().numSites();
        }
        float[] x = new float[sites * width];
        int row = 0;
        for (SiteDataset.Example e : examples) {
            CrystalGraph graph = e.graph();
            for (int i = 0; i < graph.numSites(); i++, row++) {
                int base = row * width;
                System.arraycopy(table.features(graph.species(i)), 0, x, base, a);
                for (int k = 0; k < m; k++) {
                    if (!graph.isNeighbor(i, k)) {
                        continue; // a masked slot stays all zeros
                    }
                    int slot = base + a + k * (a + g);
                    System.arraycopy(table.features(graph.species(graph.neighborIndex(i, k))), 0, x, slot, a);
                    gaussians.expand(graph.neighborDistance(i, k), x, slot + a);
                }
            }
        }
        return nm.create(x, new Shape(sites, width));
    }

    private float[][] targets(List<SiteDataset.Example> examples) {
        int sites = 0;
        for (SiteDataset.Example e : examples) {
            sites += e.targets().length;
        }
        float[] y = new float[sites];
        float[] labelled = new float[sites];
        int k = 0;
        for (SiteDataset.Example e : examples) {
            for (float t : e.targets()) {
                y[k] = Float.isNaN(t) ? 0f : (float) ((t - mean) / std);
                labelled[k++] = Float.isNaN(t) ? 0f : 1f;
            }
        }
        return new float[][] {y, labelled};
    }

    @Override
    public void close() {
        model.close();
    }
}
