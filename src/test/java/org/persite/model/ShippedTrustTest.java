package org.persite.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.persite.TestVectors;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.inference.Buckets;
import org.persite.inference.Device;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.inference.SiteOutputs;
import org.persite.structure.Format;
import org.persite.structure.ParseResult;
import org.persite.structure.Structure;
import org.persite.train.Evaluation;
import org.persite.train.SiteDataset;
import org.persite.train.TrainingProvenance;

/**
 * The shipped models' trust heads on their whole data sets (the split re-made from each card): the |m| models (the
 * default and the ensemble) predict no negative value on their test split, every DDEC structure's charges sum to the
 * total it was asked for, every served version judges structures by their lowest site score too, and the |m| models'
 * domain score ranks every site of the non-oxide probes (data/probes: metals, intermetallics, a
 * sulfide) above 95% of the oxide test sites, and flags each probe out of domain (by its mean site score or, when
 * every site is unusual, by its lowest), while flagging fewer than 5% of the oxide test structures.
 */
class ShippedTrustTest {

    private static SiteDataset dataset(LoadedModel m) {
        TrainingProvenance t = TrainingProvenance.of(m.spec());
        return SiteDataset.load(Path.of(m.spec().provenance().get("data")), t.target(), m.spec().featurizer(), TestVectors.READER);
    }

    @Test
    void theMagneticMomentModelIsNeverNegativeAndKnowsWhatItHasNotSeen() throws Exception {
        neverNegativeAndKnowsWhatItHasNotSeen("models/magmom");
    }

    @Test
    void theMagneticMomentEnsembleIsNeverNegativeAndKnowsWhatItHasNotSeen() throws Exception {
        neverNegativeAndKnowsWhatItHasNotSeen("models/magmom-ensemble");
    }

    private static void neverNegativeAndKnowsWhatItHasNotSeen(String folder) throws Exception {
        LoadedModel m = ModelDirectory.load(ModelDirectory.resolve(Path.of(folder)));
        assertEquals(PropertySpec.Constraint.NON_NEGATIVE, m.spec().properties().get(0).constraint());
        Trust.Domain domain = m.spec().trust().domain();
        assertNotNull(domain, folder + " has a domain summary");
        assertTrue(domain.hasLowestSiteThreshold(), folder + " judges structures by their lowest site score too");
        SiteDataset ds = dataset(m);
        SiteDataset.Split split = ds.split(TrainingProvenance.of(m.spec()).splitSeed());
        List<SiteDataset.Example> test = split.test().stream().map(ds::get).toList();
        List<Double> scores = new ArrayList<>();
        int flagged = 0;
        try (OnnxInferenceEngine e = OnnxInferenceEngine.open(m, Device.CPU, false, 0)) {
            List<SiteOutputs> out = Evaluation.outputs(e, test, null);
            long sites = 0;
            for (int k = 0; k < test.size(); k++) {
                float[] v = out.get(k).values();
                for (int i = 0; i < v.length; i++) {
                    assertTrue(v[i] >= 0, test.get(k).id() + " site " + i + ": " + v[i]);
                    scores.add((double) out.get(k).domain()[i]);
                    sites++;
                }
                String[] elements = new String[v.length];
                for (int i = 0; i < v.length; i++) {
                    elements[i] = org.persite.structure.Elements.symbol(test.get(k).graph().species(i));
                }
                flagged += DomainAssessment.of(domain, out.get(k).domain(), elements, 20).outOfDomain() ? 1 : 0;
            }
            assertTrue(sites > 100_000, "the whole test split: " + sites + " sites");
            if (e.hasUncertainty()) {
                assertSigmaCoversNinetyPercent(folder, test, out);
            }
            if (e.hasInterval()) {
                assertIntervalCoversNinetyPercent(folder, test, out, true);
            }
            double[] sorted = scores.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double p95 = sorted[(int) Math.ceil(0.95 * sorted.length) - 1];
            System.out.printf("%s v%d: %d test sites, domain score p95 %.3f; %d of %d test structures flagged out of domain%n",
                    folder, m.spec().version(), sorted.length, p95, flagged, test.size());
            assertTrue(flagged < 0.05 * test.size(), flagged + " of " + test.size() + " oxide test structures flagged out of domain");
            assertEquals(m.spec().metrics().get("domain_test_structures_out_of_domain"), (double) flagged / test.size(), 1e-12,
                    "the card's share of flagged test structures (no test element is rare in training)");

            CrystalGraphBuilder builder = new CrystalGraphBuilder(m.spec().featurizer());
            int probes = 0;
            try (var files = Files.list(Path.of("data/probes"))) {
                for (Path f : files.filter(p -> p.getFileName().toString().startsWith("POSCAR")).sorted().toList()) {
                    Structure s = ((ParseResult.Parsed) TestVectors.READER.readFile(f, Format.POSCAR).get(0)).value().structure();
                    SiteOutputs o = e.layout().split(e.predictOne(builder.build(s), Buckets.defaults()));
                    for (int i = 0; i < o.domain().length; i++) {
                        int below = Arrays.binarySearch(sorted, o.domain()[i]);
                        below = below < 0 ? -below - 1 : below;
                        assertTrue(o.domain()[i] > p95, f.getFileName() + " site " + i + " (" + s.species(i) + ") scores " + o.domain()[i]
                                + ", above only " + 100.0 * below / sorted.length + "% of the oxide test sites");
                    }
                    DomainAssessment a = DomainAssessment.of(domain, o.domain(), s.speciesSymbols(), 20);
                    assertTrue(a.outOfDomain(), f.getFileName() + " is not flagged: " + a);
                    probes++;
                }
            }
            assertTrue(probes >= 9);
        }
    }

    /**
     * The one-sided interval, counted here on the test split from the served graph's own bounds: [lower, upper] holds
     * 88-92% of the labels over all sites and over transition-metal sites, and holds its value; for a non-negative
     * property (|m|) its lower bound is never below 0.
     */
    static void assertIntervalCoversNinetyPercent(String folder, List<SiteDataset.Example> test, List<SiteOutputs> out, boolean nonNegative) {
        long[] n = new long[2];
        long[] inside = new long[2];
        SiteDataset.forEachLabelled(test, (k, i, target, z) -> {
            float lo = out.get(k).interval()[2 * i];
            float hi = out.get(k).interval()[2 * i + 1];
            float y = out.get(k).values()[i];
            assertTrue((lo >= 0 || !nonNegative) && lo <= y && y <= hi, folder + " " + test.get(k).id() + " site " + i + ": " + y + " in [" + lo + ", " + hi + "]");
            for (int c = 0; c < 2; c++) {
                if (c == 0 || org.persite.train.SiteMetrics.isTransitionMetal(z)) {
                    n[c]++;
                    inside[c] += target >= lo && target <= hi ? 1 : 0;
                }
            }
        });
        double all = (double) inside[0] / n[0];
        double tm = (double) inside[1] / n[1];
        System.out.printf("%s: the interval holds %.1f%% of %d test sites, %.1f%% of %d TM sites%n", folder, 100 * all, n[0], 100 * tm, n[1]);
        assertTrue(all >= 0.88 && all <= 0.92 && tm >= 0.88 && tm <= 0.92, folder + ": the interval holds " + all + " of all and " + tm
                + " of TM test sites (88-92%)");
    }

    /**
     * Issue 20's calibration target, counted here on the test split from the served graph's own σ: ±1.645σ holds
     * 88-92% of the errors over all sites and over transition-metal sites.
     */
    static void assertSigmaCoversNinetyPercent(String folder, List<SiteDataset.Example> test, List<SiteOutputs> out) {
        long[] n = new long[2];
        long[] inside = new long[2];
        SiteDataset.forEachLabelled(test, (k, i, target, z) -> {
            boolean in = Math.abs(out.get(k).values()[i] - target) <= 1.645 * out.get(k).std()[i];
            for (int c = 0; c < 2; c++) {
                if (c == 0 || org.persite.train.SiteMetrics.isTransitionMetal(z)) {
                    n[c]++;
                    inside[c] += in ? 1 : 0;
                }
            }
        });
        double all = (double) inside[0] / n[0];
        double tm = (double) inside[1] / n[1];
        System.out.printf("%s: σ covers %.1f%% of %d test sites, %.1f%% of %d TM sites%n", folder, 100 * all, n[0], 100 * tm, n[1]);
        assertTrue(all >= 0.88 && all <= 0.92 && tm >= 0.88 && tm <= 0.92, folder + ": ±1.645σ holds " + all + " of all and " + tm
                + " of TM test sites (issue 20: 88-92%)");
    }

    @Test
    void theServedChargeModelsSigmaCoversNinetyPercentOfTheTestSplit() throws Exception {
        for (String name : List.of("models/ddec-charge", "models/ddec-charge-ensemble")) {
            LoadedModel m = ModelDirectory.load(ModelDirectory.resolve(Path.of(name)));
            SiteDataset ds = dataset(m);
            List<SiteDataset.Example> test = ds.split(TrainingProvenance.of(m.spec()).splitSeed()).test().stream().map(ds::get).toList();
            try (OnnxInferenceEngine e = OnnxInferenceEngine.open(m, Device.CPU, false, 0)) {
                assertTrue(e.hasUncertainty(), name + " serves a σ");
                List<SiteOutputs> out = Evaluation.outputs(e, test, null);
                assertSigmaCoversNinetyPercent(name, test, out);
                if (e.hasInterval()) {
                    // the charge ensemble's: its σ is two members' spread, wide; the interval comes from its validation errors (issue 20, step 20)
                    assertIntervalCoversNinetyPercent(name, test, out, false);
                }
            }
        }
    }

    @Test
    void everyDdecStructuresChargesSumToItsTotal() throws Exception {
        for (String name : List.of("models/ddec-charge", "models/ddec-charge-ensemble")) {
            LoadedModel m = ModelDirectory.load(ModelDirectory.resolve(Path.of(name)));
            assertEquals(PropertySpec.Constraint.CONSERVED_SUM, m.spec().properties().get(0).constraint(), name);
            assertTrue(m.spec().trust().domain().hasLowestSiteThreshold(), name + " judges structures by their lowest site score too");
            SiteDataset ds = dataset(m);
            assertTrue(ds.size() > 2000, name + ": every structure of the data set, not a sample");
            double[] totals = new double[ds.size()];
            for (int k = 0; k < totals.length; k++) {
                totals[k] = k % 7 == 0 ? (k % 2 == 0 ? 1 : -2) : 0; // a few charged cells, as a request's total_charge gives them
            }
            double worst = 0;
            try (OnnxInferenceEngine e = OnnxInferenceEngine.open(m, Device.CPU, false, 0)) {
                assertTrue(e.conservesSum());
                List<SiteOutputs> out = Evaluation.outputs(e, ds.examples(), totals);
                for (int k = 0; k < ds.size(); k++) {
                    double sum = 0;
                    for (float q : out.get(k).values()) {
                        sum += q;
                    }
                    worst = Math.max(worst, Math.abs(sum - totals[k]));
                    float[] bounds = out.get(k).interval();
                    for (int i = 0; bounds != null && i < out.get(k).values().length; i++) {
                        // the interval is taken around the corrected charge, so it moves with the cell's total
                        float q = out.get(k).values()[i];
                        assertTrue(bounds[2 * i] <= q && q <= bounds[2 * i + 1], name + " " + ds.get(k).id() + " site " + i + ": " + q + " outside ["
                                + bounds[2 * i] + ", " + bounds[2 * i + 1] + "] with total " + totals[k]);
                    }
                    assertEquals(totals[k], sum, 1e-4, name + " " + ds.get(k).id() + " sums to " + sum);
                }
            }
            System.out.printf("%s v%d: %d structures, largest |sum - total| %.2e e%n", name, m.spec().version(), ds.size(), worst);
        }
    }
}
