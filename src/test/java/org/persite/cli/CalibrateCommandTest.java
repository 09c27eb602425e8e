package org.persite.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.persite.train.Calibration;
import org.persite.train.SiteMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestVectors;
import org.persite.inference.Device;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.inference.SiteOutputs;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.PropertySpec;
import org.persite.model.Trust;
import org.persite.train.Evaluation;
import org.persite.train.SiteDataset;
import org.persite.train.TrainingProvenance;
import org.persite.train.TrustHeadSettings;

/**
 * {@code persite calibrate} on a trained version that already has a trust head: the head is fitted again on the
 * network without it, as the next version. Its two structure thresholds are checked here against the validation
 * split's mean and lowest site scores, each sorted and read at the nearest-rank 99% quantile by this test; the
 * share of test structures they flag is counted here too; and the network's values, the constraint and the site
 * scores are those of the version it came from.
 */
class CalibrateCommandTest {
    @TempDir
    Path tmp;

    @Test
    void aNegativeComponentCountIsRefusedBeforeAnythingIsRead() {
        PersiteCliTest.Run cal = PersiteCliTest.run("calibrate", "--model", tmp.resolve("absent/1").toString(), "--environment-components", "-1");
        assertEquals(2, cal.code(), cal.err());
        assertTrue(cal.err().contains("environment components must be >= 0 (0 = none), got -1 (from the flags, else persite.trust-head)"), cal.err());
        cal = PersiteCliTest.run("calibrate", "--model", tmp.resolve("absent/1").toString(), "--element-scale-sites", "-5");
        assertEquals(2, cal.code(), cal.err());
        assertTrue(cal.err().contains("must be >= 0 (0 = class scales only), got -5"), cal.err());
        cal = PersiteCliTest.run("calibrate", "--model", tmp.resolve("absent/1").toString(), "--residual-std-min-sites", "0");
        assertEquals(2, cal.code(), cal.err());
        assertTrue(cal.err().contains("at least 1 site a group, got 8 and 0"), cal.err());
        cal = PersiteCliTest.run("calibrate", "--model", tmp.resolve("absent/1").toString(), "--sum-weights", "sigma");
        assertEquals(2, cal.code(), cal.err());
        assertTrue(cal.err().contains("uniform or variance, got 'sigma'"), cal.err());
    }

    @Test
    void theFlagsGivenTakeThePlaceOfTheirKeysAndTheRestComeFromTheConfiguration() {
        TrustHeadSettings conf = new TrustHeadSettings(12, 0.95, 0.98, "variance", 32, 300, 5, 150, 0.05);
        CalibrateCommand c = new CalibrateCommand();
        assertEquals(conf, c.settings(conf), "no flag: the configuration's");
        c.components = 20;
        c.residualStdBins = 0;
        c.sumWeights = "uniform";
        assertEquals(new TrustHeadSettings(20, 0.95, 0.98, "uniform", 32, 300, 0, 150, 0.05), c.settings(conf));
    }

    @Test
    void aVersionWithATrustHeadIsFittedAgainWithBothStructureThresholds() throws Exception {
        Path out = tmp.resolve("magmom");
        String data = TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl").toString();
        PersiteCliTest.Run train = PersiteCliTest.run("train", "--data", data, "--property", "magmom", "--transform", "abs", "--filter", "paper_filter",
                "--unit", "μB", "--out", out.toString(), "--epochs", "2", "--batch", "50", "--features", "16", "--conv", "1", "--hidden-width", "16");
        assertEquals(0, train.code(), train.err());
        PersiteCliTest.Run cal = PersiteCliTest.run("calibrate", "--model", out.resolve("1").toString(), "--data", data);
        assertEquals(0, cal.code(), cal.err());
        assertTrue(cal.out().contains("magmom v1 already has a trust head: it is fitted again on the network without it"), cal.out());

        LoadedModel first = ModelDirectory.load(out.resolve("1"));
        LoadedModel again = ModelDirectory.load(out.resolve("2"));
        assertEquals(PropertySpec.Constraint.NON_NEGATIVE, again.spec().properties().get(0).constraint(), "the version's own constraint is kept");
        assertTrue(again.spec().provenance().get("trust").startsWith("trust head fitted on v1"), again.spec().provenance().get("trust"));
        Trust.Domain d = again.spec().trust().domain();
        assertTrue(d.hasLowestSiteThreshold());
        assertTrue(d.hasEnvironment() && d.environmentComponents() == 64 && d.method().equals(Trust.Domain.LATENT_AND_ENVIRONMENT),
                "the first shell is scored by default: " + d);
        assertTrue(cal.out().contains("| domain score (per site) | latent-and-environment-mahalanobis-pca: the latent's distance, 16 components, "
                + "or the first shell's (64 components) where larger |"), cal.out());

        SiteDataset ds = SiteDataset.load(Path.of(data), TrainingProvenance.of(again.spec()).target(), again.spec().featurizer(), TestVectors.READER);
        SiteDataset.Split split = ds.split(TrainingProvenance.of(again.spec()).splitSeed());
        List<SiteDataset.Example> val = split.validation().stream().map(ds::get).toList();
        List<SiteDataset.Example> test = split.test().stream().map(ds::get).toList();
        List<SiteOutputs> valOut;
        List<SiteOutputs> testOut;
        List<SiteOutputs> firstOut;
        try (OnnxInferenceEngine e = OnnxInferenceEngine.open(again, Device.CPU, false, 1);
                OnnxInferenceEngine e1 = OnnxInferenceEngine.open(first, Device.CPU, false, 1)) {
            valOut = Evaluation.outputs(e, val, null);
            testOut = Evaluation.outputs(e, test, null);
            firstOut = Evaluation.outputs(e1, test, null);
        }
        double[] means = new double[val.size()];
        double[] lowest = new double[val.size()];
        for (int k = 0; k < val.size(); k++) {
            float[] s = valOut.get(k).domain();
            double sum = 0;
            double low = Double.MAX_VALUE;
            for (float x : s) {
                sum += x;
                low = Math.min(low, x);
            }
            means[k] = sum / s.length;
            lowest[k] = low;
        }
        Arrays.sort(means);
        Arrays.sort(lowest);
        int rank = (int) Math.ceil(0.99 * val.size()) - 1; // nearest rank
        assertEquals(means[rank], d.threshold(), 1e-9);
        assertEquals(lowest[rank], d.lowestSiteThreshold(), 1e-9);
        assertTrue(d.lowestSiteThreshold() < d.threshold(), "a structure's lowest site is below its mean: " + d);

        int flagged = 0;
        for (int k = 0; k < test.size(); k++) {
            float[] s = testOut.get(k).domain();
            double sum = 0;
            double low = Double.MAX_VALUE;
            for (int i = 0; i < s.length; i++) {
                sum += s[i];
                low = Math.min(low, s[i]);
                assertEquals(firstOut.get(k).values()[i], testOut.get(k).values()[i], 1e-6, "the same network");
                assertTrue(testOut.get(k).values()[i] >= 0, "still non-negative");
                assertEquals(firstOut.get(k).domain()[i], s[i], 1e-4 * Math.max(1, Math.abs(s[i])), "the same domain summary, fitted again");
            }
            flagged += sum / s.length > d.threshold() || low > d.lowestSiteThreshold() ? 1 : 0;
        }
        assertEquals((double) flagged / test.size(), again.spec().metrics().get("domain_test_structures_out_of_domain"), 1e-12);
        assertEquals(first.spec().trust().domain().lowestSiteThreshold(), d.lowestSiteThreshold(), 1e-4, "training fits it the same way");

        // a single model's σ from its validation errors: σ is the card's table at each site's element and bin, and each
        // (element, bin) group with enough validation sites for its own σ (the 90% quantile of its errors over 1.645,
        // nearest rank) holds at least 90% of its validation errors within ±1.645σ; training's own head fits the same
        Trust.ResidualStd r = again.spec().trust().residualStd();
        assertTrue(r != null && r.equals(first.spec().trust().residualStd()), "training and calibrate fit σ alike: " + r + " / "
                + first.spec().trust().residualStd());
        assertEquals(8, r.bins());
        java.util.Map<String, int[]> groups = new java.util.TreeMap<>();
        SiteDataset.forEachLabelled(val, (k, i, target, z) -> {
            float y = valOut.get(k).values()[i];
            float sigma = valOut.get(k).std()[i];
            assertEquals(r.std(z, SiteMetrics.isTransitionMetal(z), y), sigma, 1e-6 * sigma, "σ is the card's table");
            int[] g = groups.computeIfAbsent(z + "/" + r.bin(y), x -> new int[2]);
            g[0]++;
            g[1] += Math.abs(y - target) <= Calibration.Z90 * sigma * (1 + 1e-6) ? 1 : 0;
        });
        int own = 0;
        for (java.util.Map.Entry<String, int[]> g : groups.entrySet()) {
            if (g.getValue()[0] >= r.minSites()) {
                own++;
                assertTrue(g.getValue()[1] >= 0.90 * g.getValue()[0], "group " + g.getKey() + ": " + g.getValue()[1] + " of " + g.getValue()[0]);
            }
        }
        assertTrue(own >= 1, "some group has its own σ: " + groups.keySet());
        assertTrue(again.spec().metrics().containsKey("test_within_1.645_std_tm"), again.spec().metrics().toString());
        assertTrue(cal.out().contains("## σ from the validation errors"), cal.out());
    }
}
