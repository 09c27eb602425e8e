package org.persite.model;

import java.util.Locale;

/**
 * The activation of a per-site CGCNN's cores and head, recorded in its card ({@code hyperparameters.activation}).
 * Softplus is the paper's, and every shipped model's. SiLU ({@code x · sigmoid(x)}) is an opt-in for new models: on
 * ONNX Runtime it takes two passes over a tensor instead of the exact softplus's five, one of them a Log, so it is
 * cheaper to serve; whether it costs accuracy is the accuracy benchmarks' to say before any shipped model adopts it.
 */
public enum Activation {
    /** {@code log(1 + e^x)}, the paper's. */
    SOFTPLUS,
    /** {@code x · sigmoid(x)} (also called swish). */
    SILU;

    /** The name in the model card and on the command line. */
    public String cardName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** From a card or the command line. */
    public static Activation parse(String s) {
        for (Activation a : values()) {
            if (a.cardName().equals(s.trim().toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new IllegalArgumentException("activation must be softplus or silu, got '" + s + "'");
    }

    /** The function itself, in double precision (the reference forward pass). */
    public double apply(double v) {
        return switch (this) {
            case SOFTPLUS -> v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
            case SILU -> v / (1 + Math.exp(-v));
        };
    }
}
