package org.persite.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestModels;
import org.persite.TestVectors;
import org.persite.graph.ElementTable;
import org.persite.graph.FeaturizerSettings;
import org.persite.model.CgcnnHyperparameters;
import org.persite.model.CgcnnWeights;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.ModelSpec;
import org.persite.model.PropertySpec;
import org.persite.model.ReferenceForward;

/**
 * Knowledge distillation's targets: the training split's sites get the teacher's predictions, checked against the
 * plain-Java reference forward pass of the teacher's weights; validation and test keep their labels; an unlabelled
 * site stays unlabelled; a teacher of another split, property or featurizer is refused, naming what differs; and a
 * run that learns from a teacher is still judged against the per-element average of the labels.
 */
class TeacherTargetsTest {
    @TempDir
    static Path tmp;

    static final Path DATA = TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl");
    static final TargetSpec TARGET = new TargetSpec("magmom", TargetSpec.Transform.ABS, "paper_filter", "μB");
    static SiteDataset ds;
    static ModelSpec teacherSpec;
    static CgcnnWeights teacherWeights;
    static LoadedModel teacher;

    static ModelSpec spec(String property, long splitSeed) {
        Map<String, String> prov = new LinkedHashMap<>();
        prov.put("property", property);
        prov.put("transform", "abs");
        prov.put("filter", "paper_filter");
        prov.put("split", "random 60/20/20 by structure, seed " + splitSeed);
        return new ModelSpec("teacher", 1, CgcnnHyperparameters.reference(), FeaturizerSettings.reference(),
                List.of(new PropertySpec(property, "μB", 0.37, 0.81)), prov, Map.of());
    }

    @BeforeAll
    static void load() throws Exception {
        ds = SiteDataset.load(DATA, TARGET, FeaturizerSettings.reference(), TestVectors.READER);
        teacherSpec = spec("magmom", 7);
        teacherWeights = TestModels.weights(teacherSpec, 11);
        teacher = ModelDirectory.write(tmp.resolve("teacher/1"), teacherSpec, teacherWeights, ElementTable.cgcnn());
    }

    @Test
    void theTrainingSplitLearnsTheTeachersPredictionsAndTheRestKeepTheirLabels() {
        // one training site unlabelled: it must stay so
        SiteDataset.Split split = ds.split(7);
        List<SiteDataset.Example> withGap = new ArrayList<>(ds.examples());
        int first = split.train().get(0);
        float[] t = withGap.get(first).targets().clone();
        t[0] = Float.NaN;
        withGap.set(first, new SiteDataset.Example(withGap.get(first).id(), withGap.get(first).graph(), t));
        SiteDataset labels = SiteDataset.of(withGap);

        SiteDataset taught = TeacherTargets.apply(labels, split, TARGET, 7, FeaturizerSettings.reference(), teacher);
        assertEquals(labels.size(), taught.size());
        ReferenceForward ref = new ReferenceForward(teacherSpec, teacherWeights, ElementTable.cgcnn());
        double largestGap = 0;
        for (int k : split.train()) {
            double[] want = ref.predict(labels.get(k).graph());
            float[] got = taught.get(k).targets();
            for (int i = 0; i < got.length; i++) {
                if (k == first && i == 0) {
                    assertTrue(Float.isNaN(got[i]), "an unlabelled site stays unlabelled");
                    continue;
                }
                assertEquals(want[i], got[i], 1e-3 * Math.max(1, Math.abs(want[i])), "structure " + k + " site " + i);
                largestGap = Math.max(largestGap, Math.abs(got[i] - labels.get(k).targets()[i]));
            }
        }
        assertTrue(largestGap > 0.1, "the teacher's values equal the labels: the test would not see them replaced");
        for (List<Integer> kept : List.of(split.validation(), split.test())) {
            for (int k : kept) {
                assertArrayEquals(labels.get(k).targets(), taught.get(k).targets(), "validation and test keep their labels");
            }
        }
    }

    @Test
    void aTeacherTrainedOtherwiseIsRefusedNamingWhatDiffers() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TeacherTargets.apply(ds, ds.split(8), TARGET, 8, FeaturizerSettings.reference(), teacher));
        assertTrue(e.getMessage().contains("split seed 7 (this run: 8; give --split-seed 7)"), e.getMessage());
        LoadedModel charges = ModelDirectory.write(tmp.resolve("charges/1"), spec("ddec_charge", 7), teacherWeights, ElementTable.cgcnn());
        e = assertThrows(IllegalArgumentException.class, () -> TeacherTargets.apply(ds, ds.split(7), TARGET, 7, FeaturizerSettings.reference(), charges));
        assertTrue(e.getMessage().contains("property ddec_charge (this run: magmom)"), e.getMessage());
        FeaturizerSettings other = new FeaturizerSettings(6.0, 12, 0, 0.2, 0.2, FeaturizerSettings.reference().elementTableId(),
                FeaturizerSettings.reference().elementTableSha256());
        e = assertThrows(IllegalArgumentException.class, () -> TeacherTargets.apply(ds, ds.split(7), TARGET, 7, other, teacher));
        assertTrue(e.getMessage().contains("featurizer"), e.getMessage());
    }

    @Test
    void aRunThatLearnsFromATeacherIsJudgedAgainstTheLabels() throws Exception {
        TrainingConfig c = new TrainingConfig(new CgcnnHyperparameters(16, 1, 32, 1), 1, 32, 0.003f, TrainingConfig.OptimizerKind.ADAM,
                TrainingConfig.LossKind.L1, 1, 7);
        TrainingJob.Listener quiet = new TrainingJob.Listener() {
        };
        TrainingJob.Outcome plain = TrainingJob.run(new TrainingJob.Request(DATA, TARGET, "magmom", tmp.resolve("plain"), c, "(test) labels"),
                FeaturizerSettings.reference(), ElementTable.cgcnn(), TestVectors.READER, quiet, () -> false);
        TrainingJob.Outcome taught = TrainingJob.run(new TrainingJob.Request(DATA, TARGET, "magmom", tmp.resolve("taught"), c, "(test) teacher")
                .withTeacher(teacher.directory()), FeaturizerSettings.reference(), ElementTable.cgcnn(), TestVectors.READER, quiet, () -> false);
        assertTrue(taught.model().spec().provenance().get("teacher").startsWith("teacher v1 (model.onnx sha256 " + teacher.sha256()),
                taught.model().spec().provenance().toString());
        assertTrue(!plain.model().spec().provenance().containsKey("teacher"));
        // the yardstick is the labels' per-element average, whatever the network learnt from
        assertEquals(plain.model().spec().metrics().get("per_element_test_mae"), taught.model().spec().metrics().get("per_element_test_mae"), 1e-12);
        // and the two networks learnt different things from the same seed and split
        assertTrue(Math.abs(plain.model().spec().metrics().get("test_mae") - taught.model().spec().metrics().get("test_mae")) > 1e-6);
    }
}
