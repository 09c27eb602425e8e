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
 */
public record ModelSpec(String name, int version, CgcnnHyperparameters hyperparameters, FeaturizerSettings featurizer,
        List<PropertySpec> properties, Map<String, String> provenance, Map<String, Double> metrics) {

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
    }

    /** P. */
    public int propertyCount() {
        return properties.size();
    }

    public ModelSpec withVersion(int v) {
        return new ModelSpec(name, v, hyperparameters, featurizer, properties, provenance, metrics);
    }
}
