package org.persite.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.persite.graph.FeaturizerSettings;

/**
 * Everything about a model except its weights: name and version, shape, the featurizer settings its inputs
 * are built with, the properties it predicts with their normalisers, and where it came from.
 *
 * @param provenance free-form facts (training data, commit, seed, date)
 * @param metrics evaluation figures (for example "test_mae"), possibly empty
 * @param trust the domain-of-applicability and uncertainty facts the graph was built with ({@link Trust#NONE} for none)
 */
public record ModelSpec(String name, int version, CgcnnHyperparameters hyperparameters, FeaturizerSettings featurizer,
        List<PropertySpec> properties, Map<String, String> provenance, Map<String, Double> metrics, Trust trust) {

    /** A spec without trust facts. */
    public ModelSpec(String name, int version, CgcnnHyperparameters hyperparameters, FeaturizerSettings featurizer,
            List<PropertySpec> properties, Map<String, String> provenance, Map<String, Double> metrics) {
        this(name, version, hyperparameters, featurizer, properties, provenance, metrics, Trust.NONE);
    }

    public ModelSpec {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new IllegalArgumentException("model name must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit: " + name);
        }
        if (version < 1) {
            throw new IllegalArgumentException("model version must be >= 1");
        }
        Objects.requireNonNull(hyperparameters, "hyperparameters");
        Objects.requireNonNull(featurizer, "featurizer");
        properties = List.copyOf(properties);
        if (properties.isEmpty()) {
            throw new IllegalArgumentException("a model predicts at least one property");
        }
        provenance = Map.copyOf(provenance);
        metrics = Map.copyOf(metrics);
        Objects.requireNonNull(trust, "trust");
        long summed = properties.stream().filter(p -> p.constraint() == PropertySpec.Constraint.CONSERVED_SUM).count();
        if (summed > 0 && properties.size() != 1) {
            throw new IllegalArgumentException("a conserved-sum property must be the model's only property");
        }
    }

    /** P. */
    public int propertyCount() {
        return properties.size();
    }

    public ModelSpec withVersion(int v) {
        return new ModelSpec(name, v, hyperparameters, featurizer, properties, provenance, metrics, trust);
    }

    public ModelSpec withMetrics(Map<String, Double> m) {
        return new ModelSpec(name, version, hyperparameters, featurizer, properties, provenance, m, trust);
    }

    public ModelSpec withTrust(Trust t, List<PropertySpec> props, Map<String, String> prov) {
        return new ModelSpec(name, version, hyperparameters, featurizer, props, prov, metrics, t);
    }

    /** The property whose per-structure sum is conserved, or -1. */
    public int conservedProperty() {
        for (int q = 0; q < properties.size(); q++) {
            if (properties.get(q).constraint() == PropertySpec.Constraint.CONSERVED_SUM) {
                return q;
            }
        }
        return -1;
    }
}
