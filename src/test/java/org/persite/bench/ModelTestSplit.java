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
