package org.persite.train;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.persite.model.ModelSpec;

/**
 * What a trained model's card says about its training data: the target (property, transform, filter, unit)
 * and the seed of its 60/20/20 split, so that it can be evaluated on exactly its own test split.
 */
public record TrainingProvenance(TargetSpec target, long splitSeed) {
    private static final Pattern SEED = Pattern.compile("seed (\\d+)");

    /**
     * Reads the card's provenance.
     *
     * @throws IllegalArgumentException when the card does not say how the model was trained
     */
    public static TrainingProvenance of(ModelSpec spec) {
        Map<String, String> prov = spec.provenance();
        Matcher seed = SEED.matcher(prov.getOrDefault("split", ""));
        if (!prov.containsKey("property") || !seed.find()) {
            throw new IllegalArgumentException(spec.name() + " v" + spec.version()
                    + ": the card does not say how the model was trained (provenance property and split seed)");
        }
        String filter = prov.getOrDefault("filter", "");
        return new TrainingProvenance(new TargetSpec(prov.get("property"), TargetSpec.Transform.parse(prov.getOrDefault("transform", "none")),
                filter.isEmpty() ? null : filter, spec.properties().get(0).unit(),
                prov.containsKey("constraint") ? org.persite.model.PropertySpec.Constraint.parse(prov.get("constraint")) : null),
                Long.parseLong(seed.group(1)));
    }
}
