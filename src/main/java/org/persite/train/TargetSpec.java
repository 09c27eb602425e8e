package org.persite.train;

import java.util.Locale;
import java.util.Objects;

/**
 * Which per-site values to learn from a dataset record.
 *
 * @param field the per-site array in the JSON line ("magmom", "ddec_charge", "sigma_iso")
 * @param transform applied to every value ("abs" for the paper's |magmom|)
 * @param filter a boolean attribute a record must have true to be used (for example "paper_filter"), or null
 * @param unit the unit of the values, for the model card ("μB", "e", "ppm")
 * @param constraint what the trained graph enforces (null: non-negative for abs, else none)
 */
public record TargetSpec(String field, Transform transform, String filter, String unit, org.persite.model.PropertySpec.Constraint constraint) {

    /** A target whose constraint follows from its transform: non-negative for abs, else none. */
    public TargetSpec(String field, Transform transform, String filter, String unit) {
        this(field, transform, filter, unit, null);
    }

    /** A transform of the raw values. */
    public enum Transform {
        NONE, ABS;

        public static Transform parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("transform must be none or abs, got '" + s + "'");
            }
        }

        float apply(double v) {
            return (float) (this == ABS ? Math.abs(v) : v);
        }
    }

    public TargetSpec {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(transform, "transform");
        Objects.requireNonNull(unit, "unit");
        if (constraint == null) {
            constraint = transform == Transform.ABS ? org.persite.model.PropertySpec.Constraint.NON_NEGATIVE : org.persite.model.PropertySpec.Constraint.NONE;
        }
    }
}
