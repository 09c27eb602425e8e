package org.persite.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.persite.TestModels;
import org.persite.TestVectors;
import org.persite.graph.ElementTable;
import org.persite.graph.FeaturizerSettings;
import org.persite.model.CgcnnHyperparameters;
import org.persite.model.CgcnnWeights;
import org.persite.model.ModelSpec;
import org.persite.model.PropertySpec;
import org.persite.model.Trust;
import org.persite.model.TrustMath;

/**
 * {@code --conserve-in-loss}: the trainer's sum correction is the served graph's. Charge-like labels are made up for
 * real sample_500 graphs (by element: O -0.8 e, H +0.3 e, any other +0.9 e, so cells carry a charge); each test
 * compares the trainer's corrected values with {@link TrustMath#constrain} (the trust head's oracle) applied to the
 * raw values with the cell's total, the labels' sum rounded to an integer. A cell with an unlabelled site has no
 * total and is left as it is.
 */
class ConservedLossTest {
    static final double MEAN = 0.1;
    static final double STD = 0.7;
    static List<SiteDataset.Example> examples;

    @BeforeAll
    static void load() {
        SiteDataset sample = SiteDataset.load(TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl"),
                new TargetSpec("magmom", TargetSpec.Transform.ABS, "paper_filter", "μB"), FeaturizerSettings.reference(), TestVectors.READER);
        examples = new ArrayList<>();
        for (int k = 0; k < 120; k++) {
            SiteDataset.Example e = sample.get(k);
            float[] q = new float[e.graph().numSites()];
            for (int i = 0; i < q.length; i++) {
                int z = e.graph().species(i);
                q[i] = z == 8 ? -0.8f : z == 1 ? 0.3f : 0.9f;
            }
            if (k == 3) {
                q[0] = Float.NaN; // no total for this cell
            }
            examples.add(new SiteDataset.Example(e.id(), e.graph(), q));
        }
    }

    private static double total(float[] labels) {
        double s = 0;
        for (float v : labels) {
            s += v;
        }
        return Math.round(s);
    }

    private static ModelSpec conservedSpec(CgcnnHyperparameters hp) {
        return new ModelSpec("charge", 1, hp, FeaturizerSettings.reference(),
                List.of(new PropertySpec("charge", "e", MEAN, STD, PropertySpec.Constraint.CONSERVED_SUM)), Map.of(), Map.of(), Trust.NONE);
    }

    /** The trainer's values (in e) without and with the correction, for weights w and the target normalisation mean, std. */
    private static List<List<float[]>> trainerValues(CgcnnHyperparameters hp, CgcnnWeights w, List<SiteDataset.Example> ex, double mean,
            double std) {
        CgcnnTrainer trainer = new CgcnnTrainer(FeaturizerSettings.reference(), ElementTable.cgcnn());
        PerSiteCgcnn block = trainer.block(new TrainingConfig(hp, 1, 32, 0.003f, TrainingConfig.OptimizerKind.ADAM, TrainingConfig.LossKind.L1, 1));
        try (ai.djl.Model model = ai.djl.Model.newInstance("conserved", "PyTorch")) {
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 92), new Shape(1, 12), new Shape(1, 12), new Shape(1, 12),
                    new Shape(1));
            CgcnnTrainer.load(block, w);
            return List.of(CgcnnTrainer.predict(block, model.getNDManager(), ElementTable.cgcnn(), ex, mean, std, false),
                    CgcnnTrainer.predict(block, model.getNDManager(), ElementTable.cgcnn(), ex, mean, std, true));
        }
    }

    private static void assertServedCorrection(ModelSpec spec, List<SiteDataset.Example> ex, List<float[]> raw, List<float[]> corrected) {
        for (int k = 0; k < ex.size(); k++) {
            float[] labels = ex.get(k).targets();
            boolean all = true;
            for (float v : labels) {
                all &= !Float.isNaN(v);
            }
            double[] r = new double[raw.get(k).length];
            for (int i = 0; i < r.length; i++) {
                r[i] = raw.get(k)[i];
            }
            double[] expected = all ? TrustMath.constrain(spec, r, null, total(labels)) : r;
            double sum = 0;
            for (int i = 0; i < r.length; i++) {
                assertEquals(expected[i], corrected.get(k)[i], 1e-4, ex.get(k).id() + " site " + i);
                sum += corrected.get(k)[i];
            }
            if (all) {
                assertEquals(total(labels), sum, 1e-3 * r.length, ex.get(k).id() + " sums to its total");
            }
        }
    }

    @Test
    void theTrainersCorrectionIsTheServedOne() {
        CgcnnHyperparameters hp = new CgcnnHyperparameters(16, 1, 16, 1);
        ModelSpec spec = conservedSpec(hp);
        List<SiteDataset.Example> ex = examples.subList(0, 40);
        List<List<float[]>> v = trainerValues(hp, TestModels.weights(spec, 21), ex, MEAN, STD);
        assertServedCorrection(spec, ex, v.get(0), v.get(1));
        assertTrue(java.util.Arrays.equals(v.get(0).get(3), v.get(1).get(3)), "the cell without a total is left as it is");
        // the correction is a uniform shift in normalised units too: y' - y is one number per cell
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            TrainingBatch b = TrainingBatch.of(m, ex.subList(0, 2), ElementTable.cgcnn(), MEAN, STD, 1f, true);
            NDArray y = m.randomNormal(new Shape(b.atoms, 1));
            float[] d = b.conserved(y, MEAN, STD).sub(y).toFloatArray();
            int n0 = ex.get(0).graph().numSites();
            for (int i = 1; i < d.length; i++) {
                assertEquals(i < n0 ? d[0] : d[n0], d[i], 1e-5, "site " + i);
            }
        }
    }

    @Test
    void trainingOnTheCorrectedValuesChoosesItsEpochByTheServedError() throws Exception {
        CgcnnHyperparameters hp = new CgcnnHyperparameters(16, 1, 16, 1);
        TrainingConfig config = new TrainingConfig(hp, 2, 16, 0.003f, TrainingConfig.OptimizerKind.ADAM, TrainingConfig.LossKind.L1, 5, 5, 1f, 0, true);
        SiteDataset data = SiteDataset.of(examples);
        SiteDataset.Split split = data.split(config.splitSeed());
        TrainingResult r = new CgcnnTrainer(FeaturizerSettings.reference(), ElementTable.cgcnn()).train(data, split, config, e -> { }, () -> false,
                CgcnnTrainer.Checkpointing.NONE);
        List<SiteDataset.Example> validation = CgcnnTrainer.pick(data, split.validation());
        ModelSpec spec = new ModelSpec("charge", 1, hp, FeaturizerSettings.reference(),
                List.of(new PropertySpec("charge", "e", r.mean(), r.std(), PropertySpec.Constraint.CONSERVED_SUM)), Map.of(), Map.of(), Trust.NONE);
        List<List<float[]>> v = trainerValues(hp, r.weights(), validation, r.mean(), r.std());
        List<float[]> served = new ArrayList<>();
        for (int k = 0; k < validation.size(); k++) {
            double[] raw = new double[v.get(0).get(k).length];
            for (int i = 0; i < raw.length; i++) {
                raw[i] = v.get(0).get(k)[i];
            }
            boolean all = true;
            for (float t : validation.get(k).targets()) {
                all &= !Float.isNaN(t);
            }
            double[] c = all ? TrustMath.constrain(spec, raw, null, total(validation.get(k).targets())) : raw;
            float[] f = new float[c.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) c[i];
            }
            served.add(f);
        }
        double best = r.validationMae().get(r.bestEpoch() - 1);
        assertEquals(SiteMetrics.of(validation, served).mae(), best, 1e-4, "the best epoch's validation MAE is that of the served (corrected) values");
        assertTrue(Math.abs(SiteMetrics.of(validation, v.get(0)).mae() - best) > 1e-4, "and not that of the raw values");
    }
}
