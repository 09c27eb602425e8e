package org.persite.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.persite.graph.CrystalGraph;
import org.persite.inference.SiteOutputs;
import org.persite.model.Trust;

/**
 * A single model's σ from its validation errors, worked by hand: ten rock-salt FeO cells give 40 Fe sites predicted at
 * 0.1, 0.2 .. 4.0 and 40 O sites at 0.01 .. 0.40, all labelled 0, so each error is the prediction. The predictions' 1%
 * and 99% quantiles (nearest rank: the 1st and 80th of 80) are 0.01 and 4.0; with two bins the one edge is 2.005, which
 * puts Fe 0.1-2.0 in bin 0, Fe 2.1-4.0 in bin 1 and every O site in bin 0. A group's σ is the 90% quantile of its
 * errors (the ⌈0.9 n⌉-th smallest) over 1.645.
 */
class ResidualStdFitterTest {
    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path tmp;

    static void validation(List<SiteDataset.Example> examples, List<SiteOutputs> outputs) {
        CrystalGraph g = ElementScalesTest.rockSaltFeO();
        int[] k = {0, 0};
        for (int c = 0; c < 10; c++) {
            float[] values = new float[8];
            for (int i = 0; i < 8; i++) {
                boolean fe = g.species(i) == 26;
                int kk = ++k[fe ? 0 : 1];
                values[i] = (float) (fe ? kk * 0.1 : kk * 0.01);
            }
            examples.add(new SiteDataset.Example("c" + c, g, new float[8]));
            outputs.add(new SiteOutputs(values, null, new float[8]));
        }
    }

    private static double f(double x) {
        return (float) x;
    }

    @Test
    void eachGroupGetsTheNinetiethPercentileOfItsErrorsOverZ() {
        List<SiteDataset.Example> val = new ArrayList<>();
        List<SiteOutputs> out = new ArrayList<>();
        validation(val, out);
        Trust.ResidualStd r = ResidualStdFitter.fit(val, out, 2, 20);
        assertEquals(1, r.edges().length);
        assertEquals(f(0.01 + (f(4.0) - f(0.01)) / 2), r.edges()[0], 1e-6);
        assertEquals(2, r.elementBins().size());
        double[] fe = r.elementBins().get("Fe");
        assertEquals(f(1.8) / 1.645, fe[0], 1e-6, "Fe 0.1 .. 2.0: the 18th of 20");
        assertEquals(f(3.8) / 1.645, fe[1], 1e-6, "Fe 2.1 .. 4.0: the 18th of 20");
        double[] o = r.elementBins().get("O");
        assertEquals(f(0.36) / 1.645, o[0], 1e-6, "O: the 36th of 40");
        assertEquals(o[0], o[1], 1e-12, "no O site in bin 1: O's σ over every bin");
        // a site's σ: its element's and bin's, else its class's
        assertEquals(fe[0], r.std(26, true, 2.0), 1e-12);
        assertEquals(fe[1], r.std(26, true, r.edges()[0]), 1e-12, "a value on the edge is in the upper bin");
        assertEquals(r.classTransitionMetals(), r.std(27, true, 1.0), 1e-12, "Co has no σ of its own");
        assertEquals(r.classOther(), r.std(3, false, 1.0), 1e-12);
    }

    @Test
    void smallGroupsTakeTheirElementsAndSmallElementsTheirClasss() {
        List<SiteDataset.Example> val = new ArrayList<>();
        List<SiteOutputs> out = new ArrayList<>();
        validation(val, out);
        Trust.ResidualStd r = ResidualStdFitter.fit(val, out, 2, 21);
        double[] fe = r.elementBins().get("Fe");
        assertEquals(f(3.6) / 1.645, fe[0], 1e-6, "20 sites a bin is one short: Fe's 36th of 40 in both");
        assertEquals(fe[0], fe[1], 1e-12);
        assertEquals(f(0.36) / 1.645, r.elementBins().get("O")[0], 1e-6, "O's 40 sites are all in bin 0, enough for its own");
        Trust.ResidualStd classes = ResidualStdFitter.fit(val, out, 2, 41);
        assertTrue(classes.elementBins().isEmpty(), "no element has 41 sites");
        assertEquals(f(3.6) / 1.645, classes.classTransitionMetals(), 1e-6, "the TM class is the 40 Fe sites");
        assertEquals(f(0.36) / 1.645, classes.classOther(), 1e-6, "the other class is the 40 O sites");
        assertEquals(classes.classTransitionMetals(), classes.std(26, true, 0.5), 1e-12);
    }

    @Test
    void anElementsSitesInSmallBinsShareASigmaFittedOnThem() {
        List<SiteDataset.Example> val = new ArrayList<>();
        List<SiteOutputs> out = new ArrayList<>();
        validation(val, out);
        // three bins, edges 1.34 and 2.67: Fe 0.1-1.3 (13 sites), 1.4-2.6 (13), 2.7-4.0 (14)
        Trust.ResidualStd r = ResidualStdFitter.fit(val, out, 3, 14);
        double[] fe = r.elementBins().get("Fe");
        assertEquals(f(3.9) / 1.645, fe[2], 1e-6, "Fe 2.7 .. 4.0 has its own: the 13th of 14");
        assertEquals(f(2.4) / 1.645, fe[0], 1e-6, "Fe 0.1 .. 2.6, the 26 sites of the two small bins: the 24th of 26, not Fe's 3.6 over all");
        assertEquals(fe[0], fe[1], 1e-12);
    }

    @Test
    void oneBinHasNoEdgesAndBadSettingsAreRefused() {
        List<SiteDataset.Example> val = new ArrayList<>();
        List<SiteOutputs> out = new ArrayList<>();
        validation(val, out);
        Trust.ResidualStd r = ResidualStdFitter.fit(val, out, 1, 20);
        assertEquals(0, r.edges().length);
        assertEquals(f(3.6) / 1.645, r.elementBins().get("Fe")[0], 1e-6);
        assertThrows(IllegalArgumentException.class, () -> ResidualStdFitter.fit(val, out, 0, 20));
        assertThrows(IllegalArgumentException.class, () -> ResidualStdFitter.fit(val, out, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> new Trust.ResidualStd(new double[] {1, 0.5}, Map.of(), 1, 1, 1), "edges must ascend");
        assertThrows(IllegalArgumentException.class, () -> new Trust.ResidualStd(new double[] {1}, Map.of("Fe", new double[] {1}), 1, 1, 1),
                "one value a bin");
        assertThrows(IllegalArgumentException.class, () -> new Trust(null, new Trust.Uncertainty(1, 1, 1), "uniform", r),
                "an ensemble's σ is its members' spread");
    }

    @Test
    void theOneSidedIntervalIsEachGroupsTailQuantilesOfItsSignedErrors() throws Exception {
        List<SiteDataset.Example> val = new ArrayList<>();
        List<SiteOutputs> out = new ArrayList<>();
        validation(val, out);
        // every label is 0, so a site's signed error (label - prediction) is minus its prediction; the quantiles are the
        // ⌈q n⌉-th smallest: of 20 in a bin the 2nd and 18th, of 40 the 4th and 36th
        Trust.ResidualStd r = ResidualStdFitter.fit(val, out, 2, 20, 0.1);
        Trust.ResidualStd plain = ResidualStdFitter.fit(val, out, 2, 20);
        assertEquals(null, plain.interval());
        for (String el : new String[] {"Fe", "O"}) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(plain.elementBins().get(el), r.elementBins().get(el), el + "'s σ is the same with the interval");
        }
        Trust.Interval in = r.interval();
        assertEquals(f(-1.9), in.lower().get("Fe")[0], 1e-6, "Fe 0.1 .. 2.0: errors -2.0 .. -0.1, the 2nd smallest");
        assertEquals(f(-0.3), in.upper().get("Fe")[0], 1e-6, "the 18th smallest");
        assertEquals(f(-3.9), in.lower().get("Fe")[1], 1e-6, "Fe 2.1 .. 4.0");
        assertEquals(f(-2.3), in.upper().get("Fe")[1], 1e-6);
        assertEquals(f(-0.37), in.lower().get("O")[0], 1e-6, "O's 40 sites: the 4th smallest");
        assertEquals(f(-0.05), in.upper().get("O")[0], 1e-6, "the 36th");
        assertEquals(in.lower().get("O")[0], in.lower().get("O")[1], 1e-12, "no O site in bin 1: O's over every bin, as its σ");
        assertEquals(f(-3.7), in.classTransitionMetals()[0], 1e-6, "the TM class is Fe's 40 sites");
        assertEquals(f(-0.5), in.classTransitionMetals()[1], 1e-6);
        double[] fe = r.interval(26, true, 1.0);
        assertEquals(1.0 + f(-1.9), fe[0], 1e-6, "a site's interval is its prediction plus its group's bounds");
        assertEquals(1.0 + f(-0.3), fe[1], 1e-6);
        double[] co = r.interval(27, true, 1.0);
        assertEquals(1.0 + f(-3.7), co[0], 1e-6, "Co has none of its own: its class's");
        assertThrows(IllegalArgumentException.class, () -> ResidualStdFitter.fit(val, out, 2, 20, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new Trust.Interval(0.05, Map.of("Fe", new double[] {1}), Map.of("Fe", new double[] {0}),
                new double[] {0, 1}, new double[] {0, 1}), "a lower bound above its upper one");

        // the card keeps it (on the shipped default's card and graph)
        org.persite.model.LoadedModel shipped = org.persite.model.ModelDirectory.load(java.nio.file.Path.of("models/magmom/8"));
        org.persite.model.ModelSpec spec = shipped.spec().withTrust(shipped.spec().trust().withResidualStd(r), shipped.spec().properties(),
                shipped.spec().provenance());
        org.persite.model.LoadedModel back = org.persite.model.ModelDirectory.load(org.persite.model.ModelDirectory.write(tmp.resolve("card"), spec,
                shipped.onnx(), false).directory());
        assertEquals(r, back.spec().trust().residualStd());
        assertTrue(back.spec().trust().residualStd().interval() != null, "with its interval");
    }

    /**
     * The card's interval figures, worked by hand on the same 80 sites, all labelled 0, as test sites: each Fe site's
     * interval is [0, 1] for the first 30 and [0.5, 1] (missing 0) for the last 10, each O site's [-0.5, 0.5]; σ is
     * 0.5 everywhere. Coverage: all (30 + 40) / 80, TM 30 / 40. Widths: all (30 + 5 + 40) / 80, TM 35 / 40; the
     * symmetric 2 · 1.645 · 0.5 on every site (no cut at 0 for a property that may be negative). By element (both have
     * 40 sites, the threshold here): worst Fe's 0.75, best O's 1.0, mean distance from 90% (40 · 0.15 + 40 · 0.10) / 80.
     */
    @Test
    void theCardsIntervalFiguresCountCoverageAndWidthPerClassAndElement() {
        List<SiteDataset.Example> examples = new ArrayList<>();
        List<SiteOutputs> plain = new ArrayList<>();
        validation(examples, plain);
        List<SiteOutputs> served = new ArrayList<>();
        int fe = 0;
        for (int k = 0; k < examples.size(); k++) {
            CrystalGraph g = examples.get(k).graph();
            float[] interval = new float[16];
            float[] std = new float[8];
            for (int i = 0; i < 8; i++) {
                std[i] = 0.5f;
                boolean iron = g.species(i) == 26;
                boolean missed = iron && ++fe > 30;
                interval[2 * i] = iron ? (missed ? 0.5f : 0f) : -0.5f;
                interval[2 * i + 1] = iron ? 1f : 0.5f;
            }
            served.add(new SiteOutputs(plain.get(k).values(), std, new float[8], interval));
        }
        Trust.ResidualStd r = ResidualStdFitter.fit(examples, plain, 2, 20, 0.1);
        Map<String, Double> fig = new java.util.LinkedHashMap<>();
        TrustFitting.intervalFigures(fig, examples, served, r, false, 40);
        assertEquals(70.0 / 80, fig.get("test_within_interval"), 1e-12);
        assertEquals(30.0 / 40, fig.get("test_within_interval_tm"), 1e-12);
        assertEquals(75.0 / 80, fig.get("test_interval_width"), 1e-6);
        assertEquals(35.0 / 40, fig.get("test_interval_width_tm"), 1e-6);
        assertEquals(2 * 1.645 * 0.5, fig.get("test_symmetric_interval_width"), 1e-6);
        assertEquals(0.75, fig.get("test_within_interval_element_worst"), 1e-12);
        assertEquals(1.0, fig.get("test_within_interval_element_best"), 1e-12);
        assertEquals((40 * 0.15 + 40 * 0.10) / 80, fig.get("test_within_interval_element_deviation"), 1e-12);
        assertEquals(0.1, fig.get("residual_interval_tail"), 1e-12);
        Map<String, Double> few = new java.util.LinkedHashMap<>();
        TrustFitting.intervalFigures(few, examples, served, r, false, 41);
        assertTrue(!few.containsKey("test_within_interval_element_worst"), "no element with 41 test sites: no element figures");
        assertEquals(70.0 / 80, few.get("test_within_interval"), 1e-12);
    }
}
