package org.persite.train;

import org.persite.model.CgcnnHyperparameters;

/**
 * How to train.
 *
 * @param hyperparameters the model's shape
 * @param epochs passes over the training split
 * @param batchCrystals whole crystals per batch
 * @param learningRate the starting learning rate; it follows a cosine schedule down to 1% at the end
 * @param optimizer ADAM or SGD (momentum 0.9)
 * @param loss L1, MSE or Huber (delta {@value #HUBER_DELTA}, in normalised units), over labelled sites of normalised
 *     targets
 * @param seed fixes the initial weights and the batch order
 * @param splitSeed fixes the 60/20/20 split; the members of an ensemble share it and differ in {@code seed}
 * @param transitionMetalWeight the weight of a transition-metal site in the loss, every other site weighing 1
 *     (the loss is the weighted mean); 1 treats all sites alike
 * @param maxTrain at most this many training structures, a seeded subset of the training split (0 = all of it),
 *     for quick ablations: the validation and test splits are unchanged, so scores stay comparable
 * @param emaDecay the decay of an exponential moving average of the weights over the updates ({@link WeightAverage}),
 *     in (0, 1), or 0 for none; with one, validation, the best epoch and the trained model are the averaged weights
 */
public record TrainingConfig(CgcnnHyperparameters hyperparameters, int epochs, int batchCrystals, float learningRate,
        OptimizerKind optimizer, LossKind loss, long seed, long splitSeed, float transitionMetalWeight, int maxTrain, float emaDecay) {

    /** Huber's delta in normalised target units (about 0.1 of the target's std; CHGNet uses 0.1). */
    public static final float HUBER_DELTA = 0.1f;

    /** No weight average. */
    public TrainingConfig(CgcnnHyperparameters hyperparameters, int epochs, int batchCrystals, float learningRate, OptimizerKind optimizer,
            LossKind loss, long seed, long splitSeed, float transitionMetalWeight, int maxTrain) {
        this(hyperparameters, epochs, batchCrystals, learningRate, optimizer, loss, seed, splitSeed, transitionMetalWeight, maxTrain, 0f);
    }

    /** All sites weighted alike, the whole training split. */
    public TrainingConfig(CgcnnHyperparameters hyperparameters, int epochs, int batchCrystals, float learningRate, OptimizerKind optimizer,
            LossKind loss, long seed, long splitSeed) {
        this(hyperparameters, epochs, batchCrystals, learningRate, optimizer, loss, seed, splitSeed, 1f, 0);
    }

    /** One seed for the split, the initial weights and the batch order. */
    public TrainingConfig(CgcnnHyperparameters hyperparameters, int epochs, int batchCrystals, float learningRate, OptimizerKind optimizer,
            LossKind loss, long seed) {
        this(hyperparameters, epochs, batchCrystals, learningRate, optimizer, loss, seed, seed);
    }

    public enum OptimizerKind { ADAM, SGD }

    public enum LossKind { L1, MSE, HUBER }

    public TrainingConfig {
        if (epochs < 1 || batchCrystals < 1 || !(learningRate > 0)) {
            throw new IllegalArgumentException("need epochs >= 1, batch >= 1 and a positive learning rate");
        }
        if (transitionMetalWeight == 0) { // a checkpoint written before the field: every site alike
            transitionMetalWeight = 1f;
        }
        if (!(transitionMetalWeight > 0) || maxTrain < 0) {
            throw new IllegalArgumentException("need a positive transition-metal weight and max-train >= 0 (0 = all)");
        }
        if (!(emaDecay >= 0 && emaDecay < 1)) {
            throw new IllegalArgumentException("the weight average's decay must lie in [0, 1) (0 = none), not " + emaDecay);
        }
    }

    /** The same config with another seed for the weights and batch order (an ensemble member); the split is kept. */
    public TrainingConfig withSeed(long s) {
        return new TrainingConfig(hyperparameters, epochs, batchCrystals, learningRate, optimizer, loss, s, splitSeed, transitionMetalWeight, maxTrain, emaDecay);
    }
}
