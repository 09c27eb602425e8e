package org.persite.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestVectors;
import org.persite.graph.ElementTable;
import org.persite.graph.FeaturizerSettings;
import org.persite.inference.Device;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.model.CgcnnHyperparameters;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.ModelIo;

/**
 * Two members really trained with DJL on the shipped sample (same split, other initial weights) joined into
 * one ensemble version: by the convexity of |x|, the ensemble's test MAE can never exceed the mean of its
 * members' (a wrong mean would break this), the members disagree (σ > 0), the card and report are written,
 * and a member trained on another split is refused.
 */
class EnsembleJobTest {
    @TempDir
    static Path tmp;

    static final Path DATA = TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl");
    static final TargetSpec TARGET = new TargetSpec("magmom", TargetSpec.Transform.ABS, "paper_filter", "μB");
    static LoadedModel a;
    static LoadedModel b;
    static LoadedModel otherSplit;

    static LoadedModel train(String folder, long seed, long splitSeed) throws Exception {
        TrainingConfig c = new TrainingConfig(new CgcnnHyperparameters(16, 1, 32, 1), 3, 32, 0.003f, TrainingConfig.OptimizerKind.ADAM,
                TrainingConfig.LossKind.L1, seed, splitSeed);
        TrainingJob.Request r = new TrainingJob.Request(DATA, TARGET, "magmom", tmp.resolve(folder), c, "(test) seed " + seed);
        return TrainingJob.run(r, FeaturizerSettings.reference(), ElementTable.cgcnn(), TestVectors.READER, new TrainingJob.Listener() {
        }, () -> false).model();
    }

    @BeforeAll
    static void trainMembers() throws Exception {
        a = train("a", 1, 7);
        b = train("b", 2, 7);
        otherSplit = train("c", 3, 8);
    }

    @Test
    void theEnsembleIsNoWorseThanItsMembersOnAverageAndKnowsItsSpread() throws Exception {
        assertEquals("random 60/20/20 by structure, seed 7", a.spec().provenance().get("split"));
        assertEquals("2", b.spec().provenance().get("seed"));
        EnsembleJob.Outcome r = EnsembleJob.build(List.of(a, b), DATA, tmp.resolve("out/magmom-ensemble"), "magmom-ensemble", "(test)",
                TrustHeadSettings.defaults(), TestVectors.READER, ElementTable.cgcnn());
        double memberMean = (r.memberTests().get(0).mae() + r.memberTests().get(1).mae()) / 2;
        double memberMeanTm = (r.memberTests().get(0).maeTransitionMetals() + r.memberTests().get(1).maeTransitionMetals()) / 2;
        assertTrue(r.test().mae() <= memberMean + 1e-6, "ensemble " + r.test().mae() + " vs members' mean " + memberMean);
        assertTrue(r.test().maeTransitionMetals() <= memberMeanTm + 1e-6);
        assertNotEquals(r.memberTests().get(0).mae(), r.memberTests().get(1).mae(), "other seeds give other members");
        // the members' test MAE agrees with each member's own card (same split, same ONNX Runtime path)
        assertEquals(a.spec().metrics().get("test_mae"), r.memberTests().get(0).mae(), 1e-9);
        assertEquals(b.spec().metrics().get("test_mae_tm"), r.memberTests().get(1).maeTransitionMetals(), 1e-9);
        assertTrue(r.calibration().meanStd() > 0);
        double scale = r.model().spec().metrics().get("uncertainty_scale");
        assertTrue(scale > 0 && Double.isFinite(scale));
        assertTrue(r.calibration().withinFraction() > 0 && r.calibration().withinFraction() < 1, r.calibration().toString());
        assertEquals(r.perElementTest().mae(), a.spec().metrics().get("per_element_test_mae"), 1e-9);

        LoadedModel written = ModelDirectory.load(r.model().directory());
        assertEquals(1, written.spec().version());
        // the written version has the trust head: its card's test MAE is after the constraint (|m| >= 0), never worse
        assertEquals(r.test().mae(), written.spec().metrics().get("test_mae_unconstrained"), 1e-12);
        assertTrue(written.spec().metrics().get("test_mae") <= r.test().mae() + 1e-12);
        double within = written.spec().metrics().get("test_within_1.645_std");
        assertTrue(within > 0 && within < 1, "recalibrated per class: " + within);
        org.persite.model.Trust.Uncertainty u = written.spec().trust().uncertainty();
        assertTrue(written.spec().provenance().get("ensemble").startsWith("2 members"));
        assertTrue(Files.readString(written.directory().resolve(ModelDirectory.CARD_FILE)).contains("\"" + ModelIo.SITE_STD + "\""));
        assertTrue(Files.exists(written.directory().resolve("report/parity.png")));
        assertTrue(Files.readString(written.directory().resolve("report/report.md")).contains("1.645σ"));
        // the validation split has more than 500 O sites, so O has its own σ scale, fitted on its sites alone
        assertTrue(u.elementScales().containsKey("O"), u.toString());
        assertNotEquals(u.scaleOther(), u.elementScales().get("O"), 1e-9);
        int ownScaled = 0;
        // the written model's σ is the members' spread times the fitted scale, times its element's own factor (else its class's), capped;
        // its value is the members' (plain, unconstrained) mean, made non-negative
        SiteDataset.Example ex = SiteDataset.load(DATA, TARGET, FeaturizerSettings.reference(), TestVectors.READER).get(0);
        try (OnnxInferenceEngine e = OnnxInferenceEngine.open(written, Device.CPU, false, 1);
                OnnxInferenceEngine ea = OnnxInferenceEngine.open(plain(a), Device.CPU, false, 1);
                OnnxInferenceEngine eb = OnnxInferenceEngine.open(plain(b), Device.CPU, false, 1)) {
            assertTrue(e.hasUncertainty() && e.hasDomainScore());
            // with the default interval tail, the one-sided interval from the validation errors of the ensemble's mean, judged on the test split
            assertTrue(e.hasInterval(), "an ensemble fits its one-sided interval as a single model does");
            org.persite.model.Trust.ResidualStd residual = written.spec().trust().residualStd();
            assertEquals(TrustHeadSettings.defaults().residualIntervalTail(), residual.interval().tail(), 0);
            double inInterval = written.spec().metrics().get("test_within_interval");
            assertTrue(inInterval > 0.5 && inInterval <= 1, "interval coverage " + inInterval);
            org.persite.inference.SiteOutputs o = e.layout().split(e.predictOne(ex.graph(), org.persite.inference.Buckets.defaults()));
            for (int i = 0; i < o.values().length; i++) {
                int z = ex.graph().species(i);
                double[] want = residual.interval(z, SiteMetrics.isTransitionMetal(z), o.values()[i]);
                assertEquals(Math.max(0, want[0]), o.interval()[2 * i], 1e-5, "lower bound of site " + i);
                assertEquals(Math.max(0, want[1]), o.interval()[2 * i + 1], 1e-5, "upper bound of site " + i);
            }
            float[] ya = ea.predictOne(ex.graph(), org.persite.inference.Buckets.defaults());
            float[] yb = eb.predictOne(ex.graph(), org.persite.inference.Buckets.defaults());
            for (int i = 0; i < ya.length; i++) {
                int z = ex.graph().species(i);
                String el = org.persite.structure.Elements.symbol(z);
                double cls = u.elementScales().containsKey(el) ? u.elementScales().get(el)
                        : SiteMetrics.isTransitionMetal(z) ? u.scaleTransitionMetals() : u.scaleOther();
                ownScaled += u.elementScales().containsKey(el) ? 1 : 0;
                assertEquals(Math.max((ya[i] + yb[i]) / 2, 0), o.values()[i], 1e-4);
                assertEquals(Math.min(cls * scale * Math.abs(ya[i] - yb[i]) / Math.sqrt(2), u.cap()), o.std()[i], 1e-4 * Math.max(1, scale * cls));
            }
            assertTrue(ownScaled > 0, "no site of the example has its element's own scale: that path was not checked");
        }
    }

    /** A member without its trust head: the network's raw output, as the ensemble averages it. */
    private static LoadedModel plain(LoadedModel m) {
        return new LoadedModel(m.directory(), m.spec(), org.persite.model.OnnxTrustHead.strip(m.onnx()), "");
    }

    @Test
    void membersOfAnotherSplitAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EnsembleJob.build(List.of(a, otherSplit), DATA,
                tmp.resolve("refused"), "x", "(test)", TrustHeadSettings.defaults(), TestVectors.READER, ElementTable.cgcnn()));
        assertTrue(e.getMessage().contains("--split-seed"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EnsembleJob.build(List.of(a), DATA, tmp.resolve("refused"), "x", "(test)", TrustHeadSettings.defaults(),
                TestVectors.READER, ElementTable.cgcnn()));
    }
}
