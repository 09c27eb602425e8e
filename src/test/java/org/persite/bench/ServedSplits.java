package org.persite.bench;

import java.nio.file.Path;
import java.util.List;
import org.persite.config.PersiteConfig;
import org.persite.graph.CellListOverlapFinder;
import org.persite.graph.ElementTable;
import org.persite.inference.Device;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.inference.SiteOutputs;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.PropertySpec;
import org.persite.structure.StructureReader;
import org.persite.train.Evaluation;
import org.persite.train.SiteDataset;
import org.persite.train.TrainingProvenance;

/**
 * For the measuring aids: a model version, its own validation and test splits of a data set (the card's target and split
 * seed), and its outputs on them as served (trust head included), in the same order.
 */
record ServedSplits(LoadedModel model, List<SiteDataset.Example> validation, List<SiteDataset.Example> test, List<SiteOutputs> validationOutputs,
        List<SiteOutputs> testOutputs) {

    static ServedSplits load(Path modelPath, Path data) throws Exception {
        LoadedModel m = ModelDirectory.load(ModelDirectory.resolve(modelPath));
        SiteDataset ds = dataset(m, data);
        SiteDataset.Split split = ds.split(TrainingProvenance.of(m.spec()).splitSeed());
        List<SiteDataset.Example> val = split.validation().stream().map(ds::get).toList();
        List<SiteDataset.Example> test = split.test().stream().map(ds::get).toList();
        try (OnnxInferenceEngine engine = OnnxInferenceEngine.open(m, Device.CPU, false, 0)) {
            return new ServedSplits(m, val, test, Evaluation.outputs(engine, val, null), Evaluation.outputs(engine, test, null));
        }
    }

    /** The data set as the model was trained on it: its card's target and filter, graphs built with its featurizer. */
    static SiteDataset dataset(LoadedModel m, Path data) {
        StructureReader reader = new StructureReader(PersiteConfig.load().structureLimits(ElementTable.cgcnn()), CellListOverlapFinder.INSTANCE);
        return SiteDataset.load(data, TrainingProvenance.of(m.spec()).target(), m.spec().featurizer(), reader);
    }

    /** Whether the (first) property is non-negative, so intervals are cut at 0. */
    boolean nonNegative() {
        return model.spec().properties().get(0).constraint() == PropertySpec.Constraint.NON_NEGATIVE;
    }
}
