package org.persite.train;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.tracker.CosineTracker;
import ai.djl.util.Pair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    /**
     * One epoch's figures, for progress reports.
     *
     * @param liveArrays NDArrays held by the model's manager after the epoch (flat from epoch 1 on: anything that grows is
     *     a native memory leak)
     * @param residentMb the process's resident memory after the epoch, MiB (-1 where /proc is not there)
     */
    public record EpochReport(int epoch, int epochs, double trainLoss, double validationMae, double seconds, int liveArrays, long residentMb) {
    }

    /** After each training batch: the epoch's running mean loss so far, and seconds since this run started. */
    public record BatchReport(int epoch, int epochs, int batch, int batches, double meanLoss, double seconds) {
    }

    /**
     * Where a run writes its checkpoint after every epoch, and the checkpoint it resumes from.
     *
     * @param folder the checkpoint folder, or null for none
     * @param resumeFrom a checkpoint of this same run to go on from, or null to start at epoch 1
     * @param arguments how the run was asked for, kept in the checkpoint
     */
    public record Checkpointing(Path folder, TrainingCheckpoint resumeFrom, List<String> arguments) {
        public static final Checkpointing NONE = new Checkpointing(null, null, List.of());
    }

    private final FeaturizerSettings featurizer;
    private final ElementTable table;

    public CgcnnTrainer(FeaturizerSettings featurizer, ElementTable table) {
        this.featurizer = featurizer;
        this.table = table;
    }

    /** Builds the block for a config with no state head (its weights are initialised by {@link #train}). */
    PerSiteCgcnn block(TrainingConfig config) {
        return block(config, null);
    }

    /** Builds the block for a config; a state head's bin centres [S] normalised (null without one). */
    PerSiteCgcnn block(TrainingConfig config, float[] stateCentres) {
        GaussianExpansion g = new GaussianExpansion(featurizer);
        float[] centers = new float[g.size()];
        for (int k = 0; k < centers.length; k++) {
            centers[k] = (float) g.center(k);
        }
        return PerSiteCgcnn.builder().setElementFeatures(table.featureLength()).setGaussians(centers, (float) featurizer.gaussianVar())
                .setProperties(1).optHyperparameters(config.hyperparameters()).optStateCentres(stateCentres).build();
    }

    public TrainingResult train(SiteDataset data, SiteDataset.Split split, TrainingConfig config, Consumer<EpochReport> progress) {
        return train(data, split, config, progress, () -> false);
    }

    public TrainingResult train(SiteDataset data, SiteDataset.Split split, TrainingConfig config, Consumer<EpochReport> progress,
            java.util.function.BooleanSupplier cancelled) {
        try {
            return train(data, split, config, progress, cancelled, Checkpointing.NONE);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // no checkpoint is written without a folder
        }
    }

    /**
     * Trains, keeping the weights of the epoch with the best validation MAE; with a checkpoint folder, writes a
     * checkpoint after every epoch, and with a checkpoint to resume from, goes on after its epoch exactly as the
     * uninterrupted run would have.
     *
     * @param cancelled checked before every batch; when true, training stops with a {@link java.util.concurrent.CancellationException}
     * @throws IllegalStateException when a batch's loss is not finite (the run diverged), at that batch
     * @throws IllegalArgumentException when the checkpoint to resume from is of another config or split
     * @throws IOException when a checkpoint cannot be written
     */
    public TrainingResult train(SiteDataset data, SiteDataset.Split split, TrainingConfig config, Consumer<EpochReport> progress,
            java.util.function.BooleanSupplier cancelled, Checkpointing checkpointing) throws IOException {
        return train(data, split, config, progress, b -> { }, cancelled, checkpointing);
    }

    /** As above, and {@code batches} hears after every training batch (for a progress bar). */
    public TrainingResult train(SiteDataset data, SiteDataset.Split split, TrainingConfig config, Consumer<EpochReport> progress,
            Consumer<BatchReport> batches, java.util.function.BooleanSupplier cancelled, Checkpointing checkpointing) throws IOException {
        long t0 = System.nanoTime();
        TrainingCheckpoint resume = checkpointing.resumeFrom();
        if (resume != null) {
            if (!resume.config().equals(config)) {
                throw new IllegalArgumentException("the checkpoint is of another training config: " + resume.config() + ", not " + config);
            }
            if (!resume.split().equals(split)) {
                throw new IllegalArgumentException("the checkpoint is of another 60/20/20 split (the dataset or the split seed changed)");
            }
        }
        List<SiteDataset.Example> train = pick(data, trainingSubset(split.train(), config));
        List<SiteDataset.Example> validation = pick(data, split.validation());
        double[] norm = normaliser(train);
        if (resume != null && (resume.mean() != norm[0] || resume.std() != norm[1])) {
            throw new IllegalArgumentException("the checkpoint's target normalisation differs from this dataset's: the data changed");
        }
        Engine.getEngine("PyTorch").setRandomSeed((int) config.seed());
        int bins = config.hyperparameters().stateBins();
        float[] stateCentres = bins == 0 ? null : stateCentres(train, norm[0], norm[1], bins);   // [S], from the data: a resumed run gets the same
        PerSiteCgcnn block = block(config, stateCentres);
        try (Model model = Model.newInstance("persite-cgcnn", "PyTorch")) {
            model.setBlock(block);
            int steps = config.epochs() * Math.max(1, (train.size() + config.batchCrystals() - 1) / config.batchCrystals());
            CosineTracker lr = CosineTracker.builder().setBaseValue(config.learningRate()).optFinalValue(config.learningRate() * 0.01f)
                    .setMaxUpdates(steps).build();
            ResumableOptimizer optimizer = new ResumableOptimizer(config.optimizer(), lr);
            DefaultTrainingConfig djl = new DefaultTrainingConfig(Loss.l1Loss()).optOptimizer(optimizer);
            try (Trainer trainer = model.newTrainer(djl)) {
                int m = featurizer.maxNeighbors();
                trainer.initialize(new Shape(1, table.featureLength()), new Shape(1, m), new Shape(1, m), new Shape(1, m), new Shape(1), new Shape(1));
                if (block.elementShift() != null) {
                    // the shift starts at each element's training median (normalised): the L1-best per-element baseline
                    block.elementShift().getArray().set(elementMedians(train, norm[0], norm[1]));
                }
                List<Double> losses = new ArrayList<>();
                List<Double> maes = new ArrayList<>();
                double best = Double.POSITIVE_INFINITY;
                int bestEpoch = 0;
                Map<String, float[]> bestParams = Map.of();
                Random order = new Random(config.seed());
                int first = 1;
                WeightAverage average = config.emaDecay() > 0 ? new WeightAverage(block, config.emaDecay()) : null;
                if (resume != null) {
                    setByName(block, resume.parameters());
                    if (average != null) {
                        average.restore(resume.averageParameters());
                    }
                    optimizer.restore(byId(block, resume.optimizer()), arraysById(block));
                    losses.addAll(resume.losses());
                    maes.addAll(resume.maes());
                    best = resume.best();
                    bestEpoch = resume.bestEpoch();
                    bestParams = resume.bestParameters();
                    order = resume.shuffleRandom();
                    first = resume.epochsDone() + 1;
                }
                for (int epoch = first; epoch <= config.epochs(); epoch++) {
                    long e0 = System.nanoTime();
                    List<SiteDataset.Example> shuffled = new ArrayList<>(train);
                    Collections.shuffle(shuffled, order);
                    double lossSum = 0;
                    int done = 0;
                    int perEpoch = (shuffled.size() + config.batchCrystals() - 1) / config.batchCrystals();
                    for (int from = 0; from < shuffled.size(); from += config.batchCrystals()) {
                        if (cancelled.getAsBoolean()) {
                            throw new java.util.concurrent.CancellationException("training cancelled in epoch " + epoch);
                        }
                        List<SiteDataset.Example> chunk = shuffled.subList(from, Math.min(shuffled.size(), from + config.batchCrystals()));
                        try (NDManager batchManager = trainer.getManager().newSubManager()) {
                            TrainingBatch b = TrainingBatch.of(batchManager, chunk, table, norm[0], norm[1], config.transitionMetalWeight());
                            try (GradientCollector gc = trainer.newGradientCollector()) {
                                NDList out = trainer.forward(b.inputs);
                                NDArray per = stateCentres == null ? siteLoss(config.loss(), out.singletonOrThrow().sub(b.targets))  // [N, 1]
                                        : stateLoss(config.loss(), out.get(1), out.get(2), b.targets, stateCentres);          // [N, 1]
                                NDArray loss = per.mul(b.lossWeight).sum().div(b.lossWeight.sum().maximum(1e-6f));
                                float value = loss.getFloat();
                                if (!Float.isFinite(value)) {
                                    throw new IllegalStateException(notFinite(value, epoch, done + 1, checkpointing.folder() != null));
                                }
                                gc.backward(loss);
                                lossSum += value;
                            }
                            trainer.step();
                            done++;
                            if (average != null) {
                                average.update((long) (epoch - 1) * perEpoch + done);
                            }
                        }
                        batches.accept(new BatchReport(epoch, config.epochs(), done, perEpoch, lossSum / done, (System.nanoTime() - t0) / 1e9));
                    }
                    // with a weight average, the averaged weights are validated (and kept when best); training goes on from its own
                    Map<String, float[]> current = snapshot(block);
                    Map<String, float[]> averaged = average == null ? Map.of() : average.values();
                    setByName(block, averaged);
                    double mae = SiteMetrics.of(validation, predict(block, trainer.getManager(), table, validation, norm[0], norm[1])).mae();
                    losses.add(lossSum / Math.max(1, done));
                    maes.add(mae);
                    if (mae < best) {
                        best = mae;
                        bestEpoch = epoch;
                        bestParams = average == null ? current : averaged;
                    }
                    setByName(block, current);
                    if (checkpointing.folder() != null) {
                        new TrainingCheckpoint(checkpointing.arguments(), config, split, norm[0], norm[1], epoch, List.copyOf(losses), List.copyOf(maes),
                                best, bestEpoch, current, bestParams, byName(block, optimizer.state()), TrainingCheckpoint.serialise(order), averaged)
                                .write(checkpointing.folder());
                    }
                    NativeHeap.trim();
                    if (progress != null) {
                        progress.accept(new EpochReport(epoch, config.epochs(), losses.get(losses.size() - 1), mae, (System.nanoTime() - e0) / 1e9,
                                model.getNDManager().getManagedArrays().size(), residentMb()));
                    }
                }
                if (average != null) {
                    average.close();
                }
                setByName(block, bestParams);
                CgcnnWeights weights = export(block);
                return new TrainingResult(weights, bestEpoch, losses, maes, norm[0], norm[1], (System.nanoTime() - t0) / 1e9);
            }
        }
    }

    /**
     * What a run that met a loss that is not finite says. With a checkpoint of an earlier epoch on disk, going on from it
     * tells a one-off numerical fault (seen once in a 60-epoch run, issue 20 step 6: it did not come back) from a run
     * that truly diverges. How to go on is the caller's to say (the CLI's {@code --resume}, Admin Train's {@code resume}).
     */
    static String notFinite(float value, int epoch, int batch, boolean checkpointed) {
        String what = "the training loss is not finite (" + value + ") at epoch " + epoch + ", batch " + batch;
        if (!checkpointed || epoch <= 1) {
            return what + ": the run diverged; lower the learning rate";
        }
        return what + ": the run diverged, or met a one-off numerical fault; going on from the last checkpoint tells which (a one-off does"
                + " not come back), and a run that fails again wants a lower learning rate";
    }

    /**
     * A state head's per-site loss [N, 1]: the cross-entropy of the logits [N, 1, S] against the bin whose centre is
     * nearest the target [N, 1], plus the loss of that bin's value [N, 1, S] against the target. Both are in normalised
     * units and weigh alike ({@link #STATE_CROSS_ENTROPY_WEIGHT}).
     */
    static NDArray stateLoss(TrainingConfig.LossKind kind, NDArray logits, NDArray values, NDArray targets, float[] centres) {
        int s = centres.length;
        NDArray c = targets.getManager().create(centres, new Shape(1, 1, s));                                  // [1, 1, S]
        NDArray nearest = targets.expandDims(2).sub(c).abs().argMin(2).oneHot(s).toType(DataType.FLOAT32, false); // [N, 1, S]
        NDArray crossEntropy = logits.logSoftmax(2).mul(nearest).sum(new int[] {2}).neg();                      // [N, 1]
        NDArray value = values.mul(nearest).sum(new int[] {2});                                                 // [N, 1]
        return siteLoss(kind, value.sub(targets)).add(crossEntropy.mul(STATE_CROSS_ENTROPY_WEIGHT));
    }

    /** The cross-entropy's weight beside the value loss in a state head's loss. */
    static final float STATE_CROSS_ENTROPY_WEIGHT = 1f;

    /** Quantiles of the normalised training labels between which a state head's bins are spread evenly. */
    static final double STATE_LOW_QUANTILE = 0.005;
    static final double STATE_HIGH_QUANTILE = 0.995;

    /** A state head's S bin centres, normalised: evenly spaced between two quantiles of the labelled training targets. */
    static float[] stateCentres(List<SiteDataset.Example> train, double mean, double std, int bins) {
        List<Float> values = new ArrayList<>();
        SiteDataset.forEachLabelled(train, (k, i, target, z) -> values.add((float) ((target - mean) / std)));
        float[] sorted = new float[values.size()];
        for (int k = 0; k < sorted.length; k++) {
            sorted[k] = values.get(k);
        }
        java.util.Arrays.sort(sorted);
        return CgcnnWeights.StateBins.evenlySpaced(sorted, bins, STATE_LOW_QUANTILE, STATE_HIGH_QUANTILE);
    }

    /** The per-site loss [N, 1] of the normalised residual [N, 1]. */
    static NDArray siteLoss(TrainingConfig.LossKind kind, NDArray diff) {
        return switch (kind) {
            case L1 -> diff.abs();
            case MSE -> diff.square();
            case HUBER -> {
                // 0.5 r^2 / delta below delta, |r| - 0.5 delta above: continuous, with slope 1 in the tails like L1
                NDArray a = diff.abs();
                NDArray small = a.lt(TrainingConfig.HUBER_DELTA).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
                NDArray quadratic = a.square().mul(0.5f / TrainingConfig.HUBER_DELTA);
                NDArray linear = a.sub(0.5f * TrainingConfig.HUBER_DELTA);
                yield quadratic.mul(small).add(linear.mul(small.neg().add(1f)));
            }
        };
    }

    /**
     * The training split's structures, or a subset of {@code maxTrain} of them drawn with the split seed: the same
     * subset for every seed of an ensemble and every arm of an ablation.
     */
    static List<Integer> trainingSubset(List<Integer> train, TrainingConfig config) {
        if (config.maxTrain() == 0 || config.maxTrain() >= train.size()) {
            return train;
        }
        List<Integer> shuffled = new ArrayList<>(train);
        Collections.shuffle(shuffled, new Random(config.splitSeed() * 31 + 7));
        List<Integer> subset = new ArrayList<>(shuffled.subList(0, config.maxTrain()));
        Collections.sort(subset);
        return subset;
    }

    /** Per-element medians of the normalised labelled targets, as a [ELEMENT_ROWS, 1] table (0 where an element has none). */
    static float[] elementMedians(List<SiteDataset.Example> train, double mean, double std) {
        List<List<Float>> values = new ArrayList<>();
        for (int z = 0; z < PerSiteCgcnn.ELEMENT_ROWS; z++) {
            values.add(new ArrayList<>());
        }
        SiteDataset.forEachLabelled(train, (k, i, target, z) -> values.get(z).add((float) ((target - mean) / std)));
        float[] out = new float[PerSiteCgcnn.ELEMENT_ROWS];
        for (int z = 0; z < out.length; z++) {
            List<Float> v = values.get(z);
            if (!v.isEmpty()) {
                Collections.sort(v);
                int n = v.size();
                out[z] = n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
            }
        }
        return out;
    }

    /** The process's resident memory in MiB, from /proc/self/status; -1 where that is not there. */
    static long residentMb() {
        try {
            for (String l : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
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

    /** Every parameter's values by its DJL name (running BatchNorm statistics included) [each flattened]. */
    private static Map<String, float[]> snapshot(PerSiteCgcnn block) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            out.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    /** Sets parameters by name; an empty map changes nothing. */
    private static void setByName(PerSiteCgcnn block, Map<String, float[]> values) {
        if (values.isEmpty()) {
            return;
        }
        for (Pair<String, Parameter> p : block.getParameters()) {
            float[] v = values.get(p.getKey());
            if (v == null || v.length != p.getValue().getArray().getShape().size()) {
                throw new IllegalArgumentException("the checkpoint has no values of the right length for parameter " + p.getKey());
            }
            p.getValue().getArray().set(v);
        }
    }

    private static Map<String, NDArray> arraysById(PerSiteCgcnn block) {
        Map<String, NDArray> out = new HashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            out.put(p.getValue().getId(), p.getValue().getArray());
        }
        return out;
    }

    /** The optimiser's state keyed by parameter name (ids are random per block) ... */
    private static ResumableOptimizer.State byName(PerSiteCgcnn block, ResumableOptimizer.State s) {
        Map<String, String> name = new HashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            name.put(p.getValue().getId(), p.getKey());
        }
        return rekey(s, name);
    }

    /** ... and back to this block's ids. */
    private static ResumableOptimizer.State byId(PerSiteCgcnn block, ResumableOptimizer.State s) {
        Map<String, String> id = new HashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            id.put(p.getKey(), p.getValue().getId());
        }
        return rekey(s, id);
    }

    private static ResumableOptimizer.State rekey(ResumableOptimizer.State s, Map<String, String> key) {
        Map<String, Integer> u = new LinkedHashMap<>();
        s.updates().forEach((k, v) -> u.put(rekey(key, k), v));
        Map<String, float[]> f = new LinkedHashMap<>();
        s.first().forEach((k, v) -> f.put(rekey(key, k), v));
        Map<String, float[]> sec = new LinkedHashMap<>();
        s.second().forEach((k, v) -> sec.put(rekey(key, k), v));
        return new ResumableOptimizer.State(u, f, sec);
    }

    private static String rekey(Map<String, String> key, String k) {
        String v = key.get(k);
        if (v == null) {
            throw new IllegalArgumentException("the checkpoint's optimiser state names an unknown parameter " + k);
        }
        return v;
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
        if (w.elementAffine() != null) {
            block.elementScale().getArray().set(w.elementAffine().scale());
            block.elementShift().getArray().set(w.elementAffine().shift());
        }
        if (w.bondValence() != null) {
            block.bondValenceRadius().getArray().set(w.bondValence().radius());
            set(block.bondValenceProjection(), w.bondValence().projection());
        }
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
        CgcnnWeights.ElementAffine affine = null;
        if (block.elementScale() != null) {
            NDArray scale = block.elementScale().getArray();   // [ELEMENT_ROWS, P]
            affine = new CgcnnWeights.ElementAffine((int) scale.getShape().get(0), (int) scale.getShape().get(1), scale.toFloatArray(),
                    block.elementShift().getArray().toFloatArray());
        }
        CgcnnWeights.BondValence bv = null;
        if (block.bondValenceRadius() != null) {
            NDArray r = block.bondValenceRadius().getArray();   // [ELEMENT_ROWS, K]
            bv = new CgcnnWeights.BondValence((int) r.getShape().get(0), (int) r.getShape().get(1), r.toFloatArray(), linear(block.bondValenceProjection()));
        }
        float[] centres = block.stateCentres();
        CgcnnWeights.StateBins bins = centres == null ? null : new CgcnnWeights.StateBins(1, centres.length, centres);
        return new CgcnnWeights(linear(block.embedding()), conv, hidden, linear(block.output()), 1e-5, affine, bv, bins);
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
