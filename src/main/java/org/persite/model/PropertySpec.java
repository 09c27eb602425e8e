package org.persite.model;

import java.util.Objects;

/**
 * One per-site property a model predicts.
 *
 * @param name for example "magmom"
 * @param unit for example "μB"
 * @param mean the training-set mean the targets were normalised with
 * @param std the training-set standard deviation the targets were normalised with (> 0)
 */
public record PropertySpec(String name, String unit, double mean, double std) {

    public PropertySpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(unit, "unit");
        if (!Double.isFinite(mean) || !(std > 0) || Double.isInfinite(std)) {
            throw new IllegalArgumentException("property " + name + " needs a finite mean and a positive std");
        }
    }
}
