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
 * @param loss L1 or MSE, over labelled sites of normalised targets
 * @param seed fixes the initial weights and the batch order
 * @param splitSeed fixes the 60/20/20 split; the members of an ensemble share it and differ in {@code seed}
 */
public record TrainingConfig(CgcnnHyperparameters hyperparameters, int epochs, int batchCrystals, float learningRate,
        OptimizerKind optimizer, LossKind loss, long seed, long splitSeed) {

    /** One seed for the split, the initial weights and the batch order. */
    public TrainingConfig(CgcnnHyperparameters hyperparameters, int epochs, int batchCrystals, float learningRate, OptimizerKind optimizer,
            LossKind loss, long seed) {
        this(hyperparameters, epochs, batchCrystals, learningRate, optimizer, loss, seed, seed);
    }

    public enum OptimizerKind { ADAM, SGD }

    public enum LossKind { L1, MSE }

    public TrainingConfig {
        if (epochs < 1 || batchCrystals < 1 || !(learningRate > 0)) {
            throw new IllegalArgumentException("need epochs >= 1, batch >= 1 and a positive learning rate");
        }
    }
}
