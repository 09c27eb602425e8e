package org.persite.structure;

import java.util.Map;
import java.util.Objects;

/**
 * A structure with per-site target values and per-structure attributes, as read from our JSON Lines
 * datasets. Each target array is [N] in site order; an unlabelled site (JSON {@code null}) is NaN.
 *
 * @param structure the crystal
 * @param siteTargets target name to [N] values (for example "magmom")
 * @param attributes other scalar fields of the record (id, mp_id, paper_filter, ...), as read
 */
public record LabeledStructure(Structure structure, Map<String, double[]> siteTargets, Map<String, Object> attributes) {

    public LabeledStructure {
        Objects.requireNonNull(structure, "structure");
        siteTargets = Map.copyOf(siteTargets);
        attributes = Map.copyOf(attributes);
        for (Map.Entry<String, double[]> e : siteTargets.entrySet()) {
            if (e.getValue().length != structure.size()) {
                throw new IllegalArgumentException("target " + e.getKey() + " has " + e.getValue().length
                        + " values for " + structure.size() + " sites");
            }
        }
    }

    /** A structure with no targets and no attributes. */
    public static LabeledStructure unlabeled(Structure s) {
        return new LabeledStructure(s, Map.of(), Map.of());
    }

    /** The [N] values of target {@code name} (a copy), or null if this record has none. */
    public double[] target(String name) {
        double[] v = siteTargets.get(name);
        return v == null ? null : v.clone();
    }
}
