package org.persite.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.persite.TestVectors;
import org.persite.graph.FeaturizerSettings;
import org.persite.inference.Buckets;
import org.persite.inference.Device;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.train.PerElementBaseline;
import org.persite.train.SiteDataset;
import org.persite.train.SiteMetrics;
import org.persite.train.TargetSpec;

/**
 * The default model shipped in models/magmom: it loads through every check, and on the shipped sample's DFT
 * moments it beats the per-element average fit on that same sample. (A sanity check of the artefact, not its
 * evaluation: sample_500 overlaps the full set's training split. Its test-split figures are in its card.)
 */
class ShippedModelTest {

    @Test
    void theDefaultMagneticMomentModelLoadsAndPredictsRealMoments() throws Exception {
        LoadedModel m = ModelDirectory.load(ModelDirectory.resolve(Path.of("models/magmom")));
        assertEquals("magmom", m.spec().name());
        assertEquals("μB", m.spec().properties().get(0).unit());
        assertEquals(FeaturizerSettings.reference(), m.spec().featurizer());
        assertTrue(m.spec().metrics().get("test_mae") < m.spec().metrics().get("per_element_test_mae"), m.spec().metrics().toString());
        SiteDataset sample = SiteDataset.load(TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl"),
                new TargetSpec("magmom", TargetSpec.Transform.ABS, "paper_filter", "μB"), m.spec().featurizer(), TestVectors.READER);
        List<float[]> predictions = new ArrayList<>();
        try (OnnxInferenceEngine engine = OnnxInferenceEngine.open(m, Device.CPU, false, 0)) {
            for (SiteDataset.Example e : sample.examples()) {
                predictions.add(engine.layout().split(engine.predictOne(e.graph(), Buckets.defaults())).values());
            }
        }
        SiteMetrics model = SiteMetrics.of(sample.examples(), predictions);
        PerElementBaseline baseline = new PerElementBaseline(sample.examples());
        SiteMetrics base = SiteMetrics.of(sample.examples(), sample.examples().stream().map(baseline::predict).toList());
        System.out.printf("shipped %s v%d on sample_500: MAE %.4f (TM %.4f) vs per-element %.4f (TM %.4f)%n", m.spec().name(), m.spec().version(),
                model.mae(), model.maeTransitionMetals(), base.mae(), base.maeTransitionMetals());
        assertTrue(model.mae() < base.mae());
        assertTrue(model.maeTransitionMetals() < base.maeTransitionMetals());
    }

    /**
     * Issue 20: where a served magnetic-moment model misses 0.50× the per-element average (over all sites or TM sites,
     * as its card's own test figures say), its card says so in {@code provenance.limitations}, with both ratios as
     * the card's figures give them to three decimals. Fails when a card's figures move and its note does not.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"models/magmom", "models/magmom-ensemble"})
    void aServedModelThatMissesTheAccuracyTargetSaysSoInItsCard(String folder) throws Exception {
        LoadedModel m = ModelDirectory.load(ModelDirectory.resolve(Path.of(folder)));
        java.util.Map<String, Double> card = m.spec().metrics();
        double all = card.get("test_mae") / card.get("per_element_test_mae");
        double tm = card.get("test_mae_tm") / card.get("per_element_test_mae_tm");
        if (all <= 0.50 && tm <= 0.50) {
            return; // met: nothing to own up to
        }
        String note = m.spec().provenance().getOrDefault("limitations", "");
        String ratios = String.format(java.util.Locale.ROOT, "%.3f× / %.3f×", all, tm);
        assertTrue(note.contains("not met") && note.contains(ratios), folder + " v" + m.spec().version() + " is at " + ratios
                + " of the per-element average, and its card's limitations say: '" + note + "'");
    }

    /**
     * The shipped magnetic-moment ensemble: it loads with its uncertainty output, its card's test MAE is no
     * worse than its members' mean (convexity of |x|), and on the shipped sample its mean beats the per-element
     * average while its per-site standard deviation is finite, non-negative and not zero everywhere.
     */
    @Test
    void theMagneticMomentEnsembleLoadsAndGivesAnUncertaintyPerSite() throws Exception {
        LoadedModel m = ModelDirectory.load(ModelDirectory.resolve(Path.of("models/magmom-ensemble")));
        java.util.Map<String, Double> card = m.spec().metrics();
        assertTrue(card.get("test_mae") <= card.get("member_test_mae_mean") + 1e-9, card.toString());
        assertTrue(card.get("test_mae_tm") <= card.get("member_test_mae_tm_mean") + 1e-9, card.toString());
        SiteDataset sample = SiteDataset.load(TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl"),
                new TargetSpec("magmom", TargetSpec.Transform.ABS, "paper_filter", "μB"), m.spec().featurizer(), TestVectors.READER);
        List<float[]> mean = new ArrayList<>();
        double stdSum = 0;
        try (OnnxInferenceEngine engine = OnnxInferenceEngine.open(m, Device.CPU, false, 0)) {
            assertTrue(engine.hasUncertainty());
            for (SiteDataset.Example e : sample.examples()) {
                org.persite.inference.SiteOutputs o = engine.layout().split(engine.predictOne(e.graph(), Buckets.defaults())); // mean, σ (, domain)
                float[] mu = o.values();
                for (int i = 0; i < mu.length; i++) {
                    assertTrue(Float.isFinite(o.std()[i]) && o.std()[i] >= 0, e.id() + " site " + i);
                    stdSum += o.std()[i];
                }
                mean.add(mu);
            }
        }
        assertTrue(stdSum > 0, "the members disagree somewhere");
        SiteMetrics model = SiteMetrics.of(sample.examples(), mean);
        PerElementBaseline baseline = new PerElementBaseline(sample.examples());
        SiteMetrics base = SiteMetrics.of(sample.examples(), sample.examples().stream().map(baseline::predict).toList());
        assertTrue(model.mae() < base.mae());
        assertTrue(model.maeTransitionMetals() < base.maeTransitionMetals());
    }

    @Test
    void everyShippedCardNamesItsDataLicenceAndCitation() throws Exception {
        try (java.util.stream.Stream<Path> cards = java.nio.file.Files.walk(Path.of("models"))) {
            java.util.List<Path> all = cards.filter(p -> p.getFileName().toString().equals("model.json")).toList();
            assertTrue(all.size() >= 9, all.toString());
            for (Path card : all) {
                java.util.Map<String, String> prov = ModelDirectory.load(card.getParent()).spec().provenance();
                String licence = prov.getOrDefault("data_licence", "");
                assertTrue(!licence.isEmpty() && !licence.startsWith("not recorded"), card + ": data_licence " + licence);
                assertTrue(prov.getOrDefault("data_citation", "").contains("("), card + ": data_citation");
            }
        }
    }
}
