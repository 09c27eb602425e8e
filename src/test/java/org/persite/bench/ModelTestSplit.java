package org.persite.bench;

import java.nio.file.Path;
import java.util.List;
import org.persite.inference.Device;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.train.Evaluation;
import org.persite.train.PerElementBaseline;
import org.persite.train.SiteDataset;
import org.persite.train.TrainingProvenance;

/**
 * A model's own test split (the target, filter and split seed its card records) and the model's predictions on it,
 * as served (trust head and constraints included), for the aids that diagnose a model.
 *
 * @param data the data set the split is of
 * @param predictions one array [N] per test structure, in the order of {@code test}
 * @param baseline the per-element average of the same split's training structures (the yardstick)
 */
record ModelTestSplit(LoadedModel model, Path data, List<SiteDataset.Example> test, List<float[]> predictions, PerElementBaseline baseline) {

    /** An aid's arguments {@code [model, default models/magmom] [data, default data/mp_magmom_tmo/structures.jsonl.gz]}. */
    static ModelTestSplit fromArgs(String[] args) throws Exception {
        return of(Path.of(args.length > 0 ? args[0] : "models/magmom"), Path.of(args.length > 1 ? args[1] : "data/mp_magmom_tmo/structures.jsonl.gz"));
    }

    /** The test split's structures as read from the data set, by example id (a structure's source). */
    java.util.Map<String, org.persite.structure.Structure> testStructures() {
        java.util.Set<String> ids = new java.util.HashSet<>();
        test.forEach(e -> ids.add(e.id()));
        java.util.Map<String, org.persite.structure.Structure> out = new java.util.HashMap<>();
        org.persite.structure.StructureReader reader = new org.persite.structure.StructureReader(
                org.persite.config.PersiteConfig.load().structureLimits(org.persite.graph.ElementTable.cgcnn()), org.persite.graph.CellListOverlapFinder.INSTANCE);
        reader.readFile(data, org.persite.structure.Format.JSONL, r -> {
            if (r instanceof org.persite.structure.ParseResult.Parsed p) {
                org.persite.structure.Structure s = ((org.persite.structure.LabeledStructure) p.value()).structure();
                if (ids.contains(s.source())) {
                    out.put(s.source(), s);
                }
            }
        });
        return out;
    }

    static ModelTestSplit of(Path model, Path data) throws Exception {
        LoadedModel m = ModelDirectory.load(ModelDirectory.resolve(model));
        SiteDataset ds = ServedSplits.dataset(m, data);
        SiteDataset.Split split = ds.split(TrainingProvenance.of(m.spec()).splitSeed());
        List<SiteDataset.Example> test = split.test().stream().map(ds::get).toList();
        PerElementBaseline baseline = new PerElementBaseline(split.train().stream().map(ds::get).toList());
        try (OnnxInferenceEngine engine = OnnxInferenceEngine.open(m, Device.CPU, false, 0)) {
            return new ModelTestSplit(m, data, test, Evaluation.predict(engine, test), baseline);
        }
    }
}
