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
 * @param seed fixes the split, the initial weights and the batch order
 */
public record TrainingConfig(CgcnnHyperparameters hyperparameters, int epochs, int batchCrystals, float learningRate,
        OptimizerKind optimizer, LossKind loss, long seed) {

    public enum OptimizerKind { ADAM, SGD }

    public enum LossKind { L1, MSE }

    public TrainingConfig {
        if (epochs < 1 || batchCrystals < 1 || !(learningRate > 0)) {
            throw new IllegalArgumentException("need epochs >= 1, batch >= 1 and a positive learning rate");
        }
    }
}
