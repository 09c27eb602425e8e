package org.persite.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.persite.graph.FeaturizerSettings;
import org.persite.inference.Device;
import org.persite.inference.InferenceException;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.model.LoadedModel;

/**
 * Knowledge distillation from a trained teacher (typically an ensemble): the training split's targets replaced by the
 * teacher's predictions as it serves them, so that a single network learns the teacher's consensus rather than labels
 * that disagree among near-identical crystals. The validation and test splits keep their labels: the best epoch is
 * chosen, and the model judged, on what DFT says. A site without a label stays without one.
 *
 * <p>The teacher must have been trained on the same split of the same data (its card's property, transform, filter
 * and split seed) with the same graphs (featurizer), so that its predictions on the training split are those of its
 * own training structures and it has never seen a validation or test structure.
 */
public final class TeacherTargets {
    private TeacherTargets() {
    }

    /**
     * The dataset with the training split's targets replaced by the teacher's predictions.
     *
     * @param ds the dataset as read (labels), split by {@code split}
     * @throws IllegalArgumentException when the teacher was trained otherwise (another target, split or featurizer)
     */
    public static SiteDataset apply(SiteDataset ds, SiteDataset.Split split, TargetSpec target, long splitSeed, FeaturizerSettings featurizer,
            LoadedModel teacher) {
        check(teacher, target, splitSeed, featurizer);
        List<SiteDataset.Example> train = split.train().stream().map(ds::get).toList();
        List<float[]> predicted;
        try (OnnxInferenceEngine e = OnnxInferenceEngine.open(teacher, Device.CPU, false, 0)) {
            predicted = Evaluation.predict(e, train);                                                 // [N] per training structure
        } catch (InferenceException e) {
            throw new IllegalStateException("the teacher " + describe(teacher) + " failed on the training split: " + e.getMessage(), e);
        }
        List<SiteDataset.Example> out = new ArrayList<>(ds.examples());
        for (int k = 0; k < train.size(); k++) {
            SiteDataset.Example ex = train.get(k);
            float[] t = new float[ex.targets().length];
            for (int i = 0; i < t.length; i++) {
                t[i] = Float.isNaN(ex.targets()[i]) ? Float.NaN : predicted.get(k)[i];
            }
            out.set(split.train().get(k), new SiteDataset.Example(ex.id(), ex.graph(), t));
        }
        return SiteDataset.of(out);
    }

    /** "name vN (sha256 …)" for the card. */
    public static String describe(LoadedModel teacher) {
        return teacher.spec().name() + " v" + teacher.spec().version() + " (model.onnx sha256 " + teacher.sha256() + ")";
    }

    static void check(LoadedModel teacher, TargetSpec target, long splitSeed, FeaturizerSettings featurizer) {
        if (teacher.spec().propertyCount() != 1) {
            throw new IllegalArgumentException("the teacher " + describe(teacher) + " predicts " + teacher.spec().propertyCount()
                    + " properties; a teacher of one property is needed");
        }
        TrainingProvenance t = TrainingProvenance.of(teacher.spec());
        List<String> differ = new ArrayList<>();
        if (!t.target().field().equals(target.field())) {
            differ.add("property " + t.target().field() + " (this run: " + target.field() + ")");
        }
        if (t.target().transform() != target.transform()) {
            differ.add("transform " + t.target().transform() + " (this run: " + target.transform() + ")");
        }
        if (!Objects.equals(t.target().filter(), target.filter())) {
            differ.add("filter " + t.target().filter() + " (this run: " + target.filter() + ")");
        }
        if (t.splitSeed() != splitSeed) {
            differ.add("split seed " + t.splitSeed() + " (this run: " + splitSeed + "; give --split-seed " + t.splitSeed() + ")");
        }
        if (!teacher.spec().featurizer().equals(featurizer)) {
            differ.add("featurizer " + teacher.spec().featurizer() + " (this run: " + featurizer + ")");
        }
        if (!differ.isEmpty()) {
            throw new IllegalArgumentException("the teacher " + describe(teacher) + " was trained otherwise: " + String.join("; ", differ)
                    + ". A teacher must have learnt this run's training split and nothing of its validation or test split");
        }
    }
}
