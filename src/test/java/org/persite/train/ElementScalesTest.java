package org.persite.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestModels;
import org.persite.TestVectors;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.ElementTable;
import org.persite.graph.FeaturizerSettings;
import org.persite.inference.SiteOutputs;
import org.persite.model.CgcnnHyperparameters;
import org.persite.model.ModelDirectory;
import org.persite.model.LoadedModel;
import org.persite.model.ModelSpec;
import org.persite.model.OnnxCgcnnWriter;
import org.persite.model.OnnxEnsembleWriter;
import org.persite.model.Trust;

/**
 * An ensemble's σ scale per element, worked by hand: ten rock-salt FeO cells give 40 Fe and 40 O validation sites with
 * chosen errors and spreads, so each element's 90% quantile of |error| / σ is known (the 36th of 40 sorted ratios).
 */
class ElementScalesTest {
    @TempDir
    Path tmp;

    static CrystalGraph rockSaltFeO() {
        return new CrystalGraphBuilder(FeaturizerSettings.reference()).build(TestVectors.rockSalt("Fe", "O", 4.33, 0));
    }

    /**
     * Site k of 40 (per element, k = 1..40) is off by k · 0.1: Fe with σ = 2 (ratios 0.05 .. 2.0), O with σ = 1 (ratios
     * 0.1 .. 4.0). The target is 0 everywhere.
     */
    static void validation(List<SiteDataset.Example> examples, List<SiteOutputs> outputs) {
        CrystalGraph g = rockSaltFeO();
        int[] k = {0, 0};
        for (int c = 0; c < 10; c++) {
            float[] values = new float[8];
            float[] std = new float[8];
            for (int i = 0; i < 8; i++) {
                boolean fe = g.species(i) == 26;
                int kk = ++k[fe ? 0 : 1];
                values[i] = (float) (kk * 0.1);
                std[i] = fe ? 2f : 1f;
            }
            examples.add(new SiteDataset.Example("c" + c, g, new float[8]));
            outputs.add(new SiteOutputs(values, std, new float[8]));
        }
    }

    @Test
    void eachElementGetsTheNinetiethPercentileOfItsOwnRatiosOverZ() {
        List<SiteDataset.Example> val = new ArrayList<>();
        List<SiteOutputs> out = new ArrayList<>();
        validation(val, out);
        Map<String, Double> scales = TrustFitting.elementScales(val, out, 40);
        assertEquals(2, scales.size());
        // nearest rank: ceil(0.9 · 40) = 36th of 40
        assertEquals((double) (float) (36 * 0.1) / 2 / 1.645, scales.get("Fe"), 1e-9);
        assertEquals((double) (float) (36 * 0.1) / 1.645, scales.get("O"), 1e-9);
        // one site short of the minimum: the class scales alone; 0: off
        assertTrue(TrustFitting.elementScales(val, out, 41).isEmpty());
        assertTrue(TrustFitting.elementScales(val, out, 0).isEmpty());
        // the class scales pool each class's sites: here one element per class, so the same figures
        assertEquals(scales.get("Fe"), TrustFitting.classScale(val, out, true), 1e-12);
        assertEquals(scales.get("O"), TrustFitting.classScale(val, out, false), 1e-12);
    }

    @Test
    void aSiteTakesItsElementsOwnScaleElseItsClasss() {
        Trust.Uncertainty u = new Trust.Uncertainty(3.0, 0.5, 9.0, Map.of("Fe", 4.0, "O", 0.25));
        assertEquals(4.0, u.scale(26, true));
        assertEquals(4.0, u.scale("Fe", true));
        assertEquals(3.0, u.scale(27, true), "Co has no own scale: the TM class's");
        assertEquals(0.25, u.scale(8, false));
        assertEquals(0.5, u.scale(3, false), "Li has none: the other class's");
        assertEquals(3.0, u.classScalesOnly().scale(26, true));
        assertEquals(0.5, u.classScalesOnly().scale(8, false));
        assertTrue(new Trust.Uncertainty(3.0, 0.5, 9.0).elementScales().isEmpty());
    }

    @Test
    void aBadElementScaleIsRefusedWithItsName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Trust.Uncertainty(1, 1, 1, Map.of("Xx", 1.0)));
        assertTrue(e.getMessage().contains("'Xx'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Trust.Uncertainty(1, 1, 1, Map.of("Fe", 0.0)));
        assertTrue(e.getMessage().contains("Fe"), e.getMessage());
    }

    @Test
    void theCardKeepsTheElementScales() throws Exception {
        ModelSpec base = TestModels.spec("scales", 1, CgcnnHyperparameters.reference(), 1);
        byte[] one = OnnxCgcnnWriter.write(base, TestModels.weights(base, 5), ElementTable.cgcnn());
        byte[] pair = OnnxEnsembleWriter.write(base, List.of(one, one));
        Trust.Uncertainty u = new Trust.Uncertainty(3.0, 0.5, 9.0, Map.of("Fe", 4.0, "O", 0.25));
        ModelSpec spec = base.withTrust(new Trust(null, u, "uniform"), base.properties(), base.provenance());
        LoadedModel read = ModelDirectory.load(ModelDirectory.write(tmp.resolve("own/1"), spec, pair, true).directory());
        assertEquals(u, read.spec().trust().uncertainty());
        assertTrue(Files.readString(read.directory().resolve(ModelDirectory.CARD_FILE)).contains("\"element_scales\""));
        Trust.Uncertainty plain = new Trust.Uncertainty(3.0, 0.5, 9.0);
        LoadedModel readPlain = ModelDirectory.load(ModelDirectory.write(tmp.resolve("plain/1"),
                base.withTrust(new Trust(null, plain, "uniform"), base.properties(), base.provenance()), pair, true).directory());
        assertEquals(plain, readPlain.spec().trust().uncertainty());
        assertTrue(!Files.readString(readPlain.directory().resolve(ModelDirectory.CARD_FILE)).contains("element_scales"),
                "a card without element scales writes no key (cards before them read the same)");
    }

    @Test
    void theSpreadOfCoverageOverElementsIsWeightedBySites() {
        // 100 Fe sites covered at 80%, 300 O sites at 95% (and at 90% / 91% with the class scales): worst 0.80, best 0.95,
        // mean distance from 90% (100 · 0.10 + 300 · 0.05) / 400 = 0.0625; with the class scales (0 + 300 · 0.01) / 400
        List<TrustFitting.ElementCoverage> rows = List.of(
                new TrustFitting.ElementCoverage("Fe", 100, 0.5, true, 2, 1, 0.90, 0.80, 0.4, 0.5),
                new TrustFitting.ElementCoverage("O", 300, 0.1, false, 1, 1, 0.91, 0.95, 0.1, 0.1));
        Map<String, Double> fig = new java.util.LinkedHashMap<>();
        TrustFitting.coverageSpread(fig, rows, TrustFitting.ElementCoverage::within, "");
        TrustFitting.coverageSpread(fig, rows, TrustFitting.ElementCoverage::withinClassScales, "_class_scales");
        assertEquals(0.80, fig.get("test_within_1.645_std_element_worst"), 1e-12);
        assertEquals(0.95, fig.get("test_within_1.645_std_element_best"), 1e-12);
        assertEquals(0.0625, fig.get("test_within_1.645_std_element_deviation"), 1e-12);
        assertEquals(0.90, fig.get("test_within_1.645_std_element_worst_class_scales"), 1e-12);
        assertEquals(0.91, fig.get("test_within_1.645_std_element_best_class_scales"), 1e-12);
        assertEquals(0.0075, fig.get("test_within_1.645_std_element_deviation_class_scales"), 1e-12);
        Map<String, Double> none = new java.util.HashMap<>();
        TrustFitting.coverageSpread(none, List.of(), TrustFitting.ElementCoverage::within, "");
        assertTrue(none.isEmpty(), "no element with enough sites: no figure");
    }
}
