package org.persite.model;

import java.util.Locale;
import java.util.Objects;

/**
 * One per-site property a model predicts.
 *
 * @param name for example "magmom"
 * @param unit for example "μB"
 * @param mean the training-set mean the targets were normalised with
 * @param std the training-set standard deviation the targets were normalised with (> 0)
 * @param constraint the physics the graph enforces on the de-normalised value (recorded in the card)
 */
public record PropertySpec(String name, String unit, double mean, double std, Constraint constraint) {

    /** What the ONNX graph (and {@link ReferenceForward}) enforces on a property's per-site values. */
    public enum Constraint {
        /** Nothing: the network's value as it is. */
        NONE,
        /** The value cannot be negative (|m|): ReLU on the de-normalised value, so a negative output becomes 0. */
        NON_NEGATIVE,
        /**
         * The values of one structure sum to its total (partial charges sum to the cell's charge, 0 unless the
         * request says otherwise): each structure's excess is subtracted, spread over its sites by weight
         * (uniform, or the ensemble's σ² so that uncertain sites absorb more).
         */
        CONSERVED_SUM;

        /** The card's spelling: "none", "non_negative", "conserved_sum". */
        public String cardName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Reads the card's or the command line's spelling ("non-negative" works too). */
        public static Constraint parse(String s) {
            String n = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            for (Constraint c : values()) {
                if (c.name().equals(n)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("unknown constraint '" + s + "'; expected none, non-negative or conserved-sum");
        }
    }

    public PropertySpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(constraint, "constraint");
        if (!Double.isFinite(mean) || !(std > 0) || Double.isInfinite(std)) {
            throw new IllegalArgumentException("property " + name + " needs a finite mean and a positive std");
        }
    }

    /** A property with no constraint. */
    public PropertySpec(String name, String unit, double mean, double std) {
        this(name, unit, mean, std, Constraint.NONE);
    }

    public PropertySpec withConstraint(Constraint c) {
        return new PropertySpec(name, unit, mean, std, c);
    }
}
