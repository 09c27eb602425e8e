package org.persite;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.persite.graph.ElementTable;
import org.persite.graph.FeaturizerSettings;
import org.persite.graph.GaussianExpansion;
import org.persite.model.CgcnnHyperparameters;
import org.persite.model.CgcnnWeights;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.ModelSpec;
import org.persite.model.PropertySpec;

/** Seeded random-weight models, written by the tests themselves (nothing ships with random weights). */
public final class TestModels {
    private TestModels() {
    }

    public static ModelSpec spec(String name, int version, CgcnnHyperparameters hp, int properties) {
        List<PropertySpec> props = properties == 1
                ? List.of(new PropertySpec("magmom", "μB", 0.37, 0.81))
                : List.of(new PropertySpec("magmom", "μB", 0.37, 0.81), new PropertySpec("charge", "e", -0.1, 0.6));
        return new ModelSpec(name, version, hp, FeaturizerSettings.reference(), props.subList(0, properties),
                Map.of("weights", "random, seeded (test only)"), Map.of());
    }

    public static CgcnnWeights weights(ModelSpec spec, long seed) {
        return CgcnnWeights.random(spec.hyperparameters(), ElementTable.cgcnn().featureLength(),
                new GaussianExpansion(spec.featurizer()).size(), spec.propertyCount(), seed);
    }

    /** Writes a reference-shaped random model into dir and loads it back through the checks. */
    public static LoadedModel write(Path dir, String name, int version, int properties, long seed) throws IOException {
        ModelSpec spec = spec(name, version, CgcnnHyperparameters.reference(), properties);
        return ModelDirectory.write(dir, spec, weights(spec, seed), ElementTable.cgcnn());
    }
}
