package org.persite.train;

import java.util.List;
import org.persite.model.CgcnnWeights;

/**
 * The outcome of one training run.
 *
 * @param weights the weights of the epoch with the best validation MAE; null where the run was in a child process
 *     or built an ensemble (the weights are then in the version's model.onnx only)
 * @param bestEpoch that epoch (1-based)
 * @param trainLoss mean training loss per epoch (normalised units)
 * @param validationMae validation MAE per epoch (target units)
 * @param mean the training-set target mean used for normalisation
 * @param std the training-set target standard deviation
 * @param seconds wall time of the training
 */
public record TrainingResult(CgcnnWeights weights, int bestEpoch, List<Double> trainLoss, List<Double> validationMae, double mean, double std,
        double seconds) {
}
