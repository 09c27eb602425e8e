package org.persite.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.persite.graph.ElementTable;
import org.persite.inference.Buckets;
import org.persite.inference.Device;
import org.persite.inference.InferenceException;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.inference.PaddedBatch;
import org.persite.inference.SiteOutputs;
import org.persite.model.DomainAssessment;
import org.persite.model.DomainSummary;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.ModelSpec;
import org.persite.model.OnnxTrustHead;
import org.persite.model.PropertySpec;
import org.persite.model.SiteEnvironment;
import org.persite.model.Trust;
import org.persite.structure.Elements;

/**
 * Gives a trained version its trust head (see {@link OnnxTrustHead}) and writes it as a new version: the
 * constraints, a domain summary fitted on the training split's latents with its two structure thresholds (mean
 * and lowest site score) fitted on the validation split, and, for ensembles, σ recalibrated on the validation split per element (per element
 * class for an element with too few validation sites) and capped
 * at the property's range; a single model's σ from its validation errors, and, for both, a one-sided interval from the
 * same errors ({@link ResidualStdFitter}) when {@code residual-std.interval-tail} is above 0. Everything is judged on the test split, and the figures go into the card.
 * {@code persite calibrate} runs this on a version on disk; training runs it on every new version.
 */
public final class TrustFitting {
    /** The most training sites the domain summary is fitted on (every k-th structure beyond). */
    public static final int MAX_FIT_SITES = 200_000;

    /**
     * The version written, and what was measured (also in its card).
     *
     * @param elementCoverage for an ensemble, σ's coverage of each element's test sites (empty for a single model)
     */
    public record Outcome(LoadedModel model, Map<String, Double> figures, double[] testSiteScores, List<ElementCoverage> elementCoverage) {
    }

    /**
     * How well σ covers one element's test sites at ±1.645σ, with the class scales alone and with the scales served.
     *
     * @param ownScale whether the element has its own scale (else the served scale is its class's)
     */
    public record ElementCoverage(String element, long testSites, double mae, boolean ownScale, double scale, double classScale,
            double withinClassScales, double within, double meanStdClassScales, double meanStd) {
    }

    private TrustFitting() {
    }

    /**
     * @param base a version without a trust head (single model or ensemble, one property)
     * @param ds its training data, graphs built with its featurizer
     * @param split the split it was trained on
     * @param constraint the constraint of the (single) property
     * @param o how the trust head is fitted
     * @param out the new version's folder; its name must be the new version number
     */
    public static Outcome fit(LoadedModel base, SiteDataset ds, SiteDataset.Split split, PropertySpec.Constraint constraint, TrustHeadSettings o,
            ElementTable table, Path out, int version, String command) throws IOException {
        ModelSpec spec = base.spec();
        if (spec.propertyCount() != 1) {
            throw new IllegalArgumentException("the trust head is fitted for single-property models; " + spec.name() + " predicts " + spec.propertyCount());
        }
        List<SiteDataset.Example> train = CgcnnTrainer.pick(ds, split.train());
        List<SiteDataset.Example> val = CgcnnTrainer.pick(ds, split.validation());
        List<SiteDataset.Example> test = CgcnnTrainer.pick(ds, split.test());
        int rows = table.maxAtomicNumber() + 1;
        boolean[] tm = new boolean[rows];
        for (int z = 0; z < rows; z++) {
            tm[z] = SiteMetrics.isTransitionMetal(z);
        }
        Map<String, Double> fig = new LinkedHashMap<>();
        try {
            // 1. the domain summary from the training latents
            DomainSummary domain = fitDomain(base, train, o, rows);
            DomainSummary environment = o.environmentComponents() > 0 ? fitEnvironment(train, o, table) : null;
            // 2. σ per class, and its cap (ensembles)
            boolean ensemble;
            Trust.Uncertainty unc = null;
            List<SiteOutputs> rawVal;
            List<SiteOutputs> rawTest;
            try (OnnxInferenceEngine raw = OnnxInferenceEngine.open(base, Device.CPU, false, 0)) {
                ensemble = raw.hasUncertainty();
                rawVal = Evaluation.outputs(raw, val, null);
                rawTest = Evaluation.outputs(raw, test, null);
            }
            if (ensemble) {
                double lo = Double.POSITIVE_INFINITY;
                double hi = Double.NEGATIVE_INFINITY;
                for (SiteDataset.Example e : train) {
                    for (float t : e.targets()) {
                        if (!Float.isNaN(t)) {
                            lo = Math.min(lo, t);
                            hi = Math.max(hi, t);
                        }
                    }
                }
                unc = new Trust.Uncertainty(classScale(val, rawVal, true), classScale(val, rawVal, false), hi - lo,
                        elementScales(val, rawVal, o.elementScaleSites()));
            }
            String weights = ensemble ? o.sumWeights() : "uniform";
            List<PropertySpec> props = List.of(spec.properties().get(0).withConstraint(constraint));
            Map<String, Long> elementSites = new TreeMap<>();
            for (SiteDataset.Example e : train) {
                for (int i = 0; i < e.graph().numSites(); i++) {
                    if (!Float.isNaN(e.targets()[i])) {
                        elementSites.merge(Elements.symbol(e.graph().species(i)), 1L, Long::sum);
                    }
                }
            }
            // a provisional threshold: the graph does not depend on it
            int environmentComponents = environment == null ? 0 : environment.components();
            String method = environment == null ? Trust.Domain.LATENT : Trust.Domain.LATENT_AND_ENVIRONMENT;
            Trust provisional = new Trust(new Trust.Domain(method, domain.components(), o.siteQuantile(), 1, o.thresholdQuantile(),
                    1, elementSites, environmentComponents), unc, weights);
            Map<String, String> prov = new LinkedHashMap<>(spec.provenance());
            prov.put("trust", String.format(Locale.ROOT, "trust head fitted on v%d: constraint %s; domain summary on the training split's "
                    + "latents (up to %d sites, k = %d, site quantile %.2f)%s; %s", spec.version(), constraint.cardName(), MAX_FIT_SITES,
                    domain.components(), o.siteQuantile(), environment == null ? ""
                        : String.format(Locale.ROOT, " and on their first-shell descriptors (k = %d), a site scoring the larger", environmentComponents),
                    unc == null ? "single model" : String.format(Locale.ROOT, "σ recalibrated on the validation split, per element where it has at "
                        + "least %d sites (%d elements), else per class, and capped at the training range", o.elementScaleSites(),
                        unc.elementScales().size())));
            prov.put("command", command);
            ModelSpec draft = new ModelSpec(spec.name(), version, spec.hyperparameters(), spec.featurizer(), props, prov, spec.metrics(), provisional);
            byte[] onnx = OnnxTrustHead.apply(base.onnx(), draft, domain, environment, table, unc, tm);

            // 3. the threshold on validation (and a single model's σ from its validation errors), then the test figures
            List<SiteOutputs> tVal;
            List<SiteOutputs> tTest;
            Trust.ResidualStd residual = null;
            // a single model's σ needs labelled validation sites to be fitted on (a tiny data set may have none: no σ then)
            long[] labelledVal = {0};
            SiteDataset.forEachLabelled(val, (k, i, target, z) -> labelledVal[0]++);
            // an ensemble keeps its members' σ and takes only the one-sided interval from its validation errors
            boolean fitResidual = o.residualStdBins() > 0 && labelledVal[0] > 0 && (!ensemble || o.residualIntervalTail() > 0);
            try (OnnxInferenceEngine trusted = OnnxInferenceEngine.open(new LoadedModel(out, draft, onnx, ""), Device.CPU, false, 0)) {
                tVal = Evaluation.outputs(trusted, val, null);
                tTest = fitResidual ? null : Evaluation.outputs(trusted, test, null);   // with σ: from the graph that has it, below
            }
            if (fitResidual) {
                residual = ResidualStdFitter.fit(val, tVal, o.residualStdBins(), o.residualStdMinSites(), o.residualIntervalTail());
                prov.put("trust", prov.get("trust") + (ensemble
                        ? String.format(Locale.ROOT, "; a one-sided interval from the validation errors of the ensemble's mean, by element and "
                            + "%d bins of the prediction (a group's own from %d sites), tails %.3f (the σ fitted beside it is a figure: the served "
                            + "σ is the members' spread)", residual.bins(), o.residualStdMinSites(), o.residualIntervalTail())
                        : String.format(Locale.ROOT, "; σ from the validation errors, by element and %d bins of "
                            + "the prediction (a group's own from %d sites)", residual.bins(), o.residualStdMinSites())));
                draft = new ModelSpec(spec.name(), version, spec.hyperparameters(), spec.featurizer(), props, prov, spec.metrics(),
                        provisional.withResidualStd(residual));
                onnx = OnnxTrustHead.apply(base.onnx(), draft, domain, environment, table, unc, tm);
                try (OnnxInferenceEngine trusted = OnnxInferenceEngine.open(new LoadedModel(out, draft, onnx, ""), Device.CPU, false, 0)) {
                    tTest = Evaluation.outputs(trusted, test, null);
                }
            }
            // the structure thresholds: the validation quantile of the mean site score, and of the lowest
            List<Double> valScores = new ArrayList<>();
            List<Double> valLowest = new ArrayList<>();
            for (SiteOutputs s : tVal) {
                valScores.add(DomainAssessment.mean(s.domain()));
                valLowest.add(DomainAssessment.lowest(s.domain()));
            }
            double threshold = DomainFitter.quantile(valScores, o.thresholdQuantile());
            double lowestThreshold = DomainFitter.quantile(valLowest, o.thresholdQuantile());
            Trust.Domain fitted = new Trust.Domain(provisional.domain().method(), domain.components(), o.siteQuantile(), threshold,
                    o.thresholdQuantile(), lowestThreshold, elementSites, environmentComponents);
            Trust trust = new Trust(fitted, unc, weights, residual);

            figures(fig, test, rawTest, tTest, constraint, unc);
            boolean nonNegative = constraint == PropertySpec.Constraint.NON_NEGATIVE;
            List<ElementCoverage> coverage = unc != null ? elementCoverage(fig, test, rawTest, tTest, unc, tm, o.elementScaleSites())
                    : residual != null ? residualFigures(fig, test, tTest, residual, nonNegative) : List.of();
            if (unc != null && residual != null) {
                intervalFigures(fig, test, tTest, residual, nonNegative);
            }
            fig.put("domain_test_structures_out_of_domain", outOfDomainShare(fitted, test, tTest));
            Map<String, Double> metrics = new LinkedHashMap<>(spec.metrics());
            SiteMetrics after = SiteMetrics.of(test, values(tTest));
            metrics.put("test_mae", after.mae());
            metrics.put("test_mae_tm", after.maeTransitionMetals());
            metrics.put("validation_mae", SiteMetrics.of(val, values(tVal)).mae());
            metrics.put("validation_mae_tm", SiteMetrics.of(val, values(tVal)).maeTransitionMetals());
            metrics.putAll(fig);
            metrics.put("domain_threshold", threshold);
            metrics.put("domain_lowest_site_threshold", lowestThreshold);
            ModelSpec finalSpec = new ModelSpec(spec.name(), version, spec.hyperparameters(), spec.featurizer(), props, prov, metrics, trust);
            LoadedModel written = ModelDirectory.write(out, finalSpec, onnx, ensemble || residual != null);
            double[] scores = tTest.stream().flatMapToDouble(t -> {
                double[] d = new double[t.domain().length];
                for (int i = 0; i < d.length; i++) {
                    d[i] = t.domain()[i];
                }
                return java.util.Arrays.stream(d);
            }).sorted().toArray();
            return new Outcome(written, fig, scores, coverage);
        } catch (InferenceException e) {
            throw new IllegalStateException("fitting the trust head of " + base.directory() + " failed: " + e.getMessage(), e);
        }
    }

    /** The domain summary from the last hidden layer of (up to {@value #MAX_FIT_SITES}) training sites. */
    static DomainSummary fitDomain(LoadedModel base, List<SiteDataset.Example> train, TrustHeadSettings o, int rows) throws InferenceException {
        int h = latentWidth(base.spec());
        byte[] latentGraph = OnnxTrustHead.withLatentOutput(base.onnx(), h);
        List<SiteDataset.Example> picked = fitSites(train);
        int n = picked.stream().mapToInt(e -> e.graph().numSites()).sum();
        float[] latent = new float[n * h];
        int[] species = new int[n];
        int at = 0;
        try (OnnxInferenceEngine e = OnnxInferenceEngine.open(new LoadedModel(base.directory(), base.spec(), latentGraph, ""), Device.CPU, false, 0)) {
            Buckets buckets = Buckets.defaults();
            int from = 0;
            while (from < picked.size()) {
                int to = from;
                int atoms = 0;
                while (to < picked.size() && (to == from || atoms + picked.get(to).graph().numSites() <= 1024)) {
                    atoms += picked.get(to++).graph().numSites();
                }
                List<org.persite.graph.CrystalGraph> graphs = picked.subList(from, to).stream().map(SiteDataset.Example::graph).toList();
                PaddedBatch b = PaddedBatch.pack(graphs, buckets);
                float[] all = e.runOutput(b, OnnxTrustHead.SITE_LATENT);                                     // [Npad, H]
                for (int g = 0; g < b.graphs(); g++) {
                    System.arraycopy(all, b.offset(g) * h, latent, at * h, b.size(g) * h);
                    for (int i = 0; i < b.size(g); i++) {
                        species[at + i] = graphs.get(g).species(i);
                    }
                    at += b.size(g);
                }
                from = to;
            }
        }
        return DomainFitter.fit(new DomainFitter.Latents(h, latent, species), o.components(), o.siteQuantile(), rows);
    }

    /** The summary of the first-shell descriptors of the same training sites the latent summary is fitted on. */
    static DomainSummary fitEnvironment(List<SiteDataset.Example> train, TrustHeadSettings o, ElementTable table) {
        int d = SiteEnvironment.width(table);
        List<SiteDataset.Example> picked = fitSites(train);
        int n = picked.stream().mapToInt(e -> e.graph().numSites()).sum();
        float[] descriptors = new float[n * d];                                                                   // [n, A + 2]
        int[] species = new int[n];
        int at = 0;
        for (SiteDataset.Example e : picked) {
            float[] rows = SiteEnvironment.describe(e.graph(), table);
            System.arraycopy(rows, 0, descriptors, at * d, rows.length);
            System.arraycopy(e.graph().species(), 0, species, at, e.graph().numSites());
            at += e.graph().numSites();
        }
        return DomainFitter.fit(new DomainFitter.Latents(d, descriptors, species), o.environmentComponents(), o.siteQuantile(), table.maxAtomicNumber() + 1);
    }

    /** Every k-th training structure, so that at most about {@value #MAX_FIT_SITES} sites are used. */
    static List<SiteDataset.Example> fitSites(List<SiteDataset.Example> train) {
        long sites = train.stream().mapToLong(e -> e.graph().numSites()).sum();
        int stride = (int) Math.max(1, (sites + MAX_FIT_SITES - 1) / MAX_FIT_SITES);
        List<SiteDataset.Example> picked = new ArrayList<>();
        for (int k = 0; k < train.size(); k += stride) {
            picked.add(train.get(k));
        }
        return picked;
    }

    /** H: the last hidden layer's width (F with no hidden layer). */
    static int latentWidth(ModelSpec s) {
        return s.hyperparameters().hiddenLayers() == 0 ? s.hyperparameters().atomFeatures() : s.hyperparameters().hiddenWidth();
    }

    /** The factor that makes 1.645·s·σ cover 90% of the validation errors of one class (TM or not); 1 when the class is empty. */
    static double classScale(List<SiteDataset.Example> val, List<SiteOutputs> out, boolean transitionMetals) {
        List<Double> ratios = new ArrayList<>();
        SiteDataset.forEachLabelled(val, (k, i, target, z) -> {
            if (SiteMetrics.isTransitionMetal(z) == transitionMetals) {
                ratios.add(errorOverStd(out.get(k), i, target));
            }
        });
        return scaleOf(ratios);
    }

    /**
     * Per element with at least {@code minSites} labelled validation sites, the factor that makes 1.645·s·σ cover 90% of
     * that element's validation errors (by symbol; empty when {@code minSites} is 0). An element whose 90% quantile is not
     * finite (more than a tenth of its sites with σ = 0 and an error) keeps its class's factor.
     */
    static Map<String, Double> elementScales(List<SiteDataset.Example> val, List<SiteOutputs> out, int minSites) {
        Map<String, Double> scales = new TreeMap<>();
        if (minSites == 0) {
            return scales;
        }
        Map<Integer, List<Double>> ratios = new TreeMap<>();
        SiteDataset.forEachLabelled(val, (k, i, target, z) -> ratios.computeIfAbsent(z, x -> new ArrayList<>()).add(errorOverStd(out.get(k), i, target)));
        ratios.forEach((z, r) -> {
            if (r.size() >= minSites && Double.isFinite(DomainFitter.quantile(r, 0.90))) {
                scales.put(Elements.symbol(z), scaleOf(r));
            }
        });
        return scales;
    }

    /** |error| / σ of one site; 0 for no error, infinite for an error where σ = 0. */
    private static double errorOverStd(SiteOutputs o, int i, double target) {
        double err = Math.abs(o.values()[i] - target);
        double s = o.std()[i];
        return s > 0 ? err / s : err == 0 ? 0 : Double.POSITIVE_INFINITY;
    }

    /** The 90% quantile of the ratios over 1.645 (at least 1e-6); 1 for none or an infinite quantile. */
    private static double scaleOf(List<Double> ratios) {
        if (ratios.isEmpty()) {
            return 1;
        }
        double q = DomainFitter.quantile(ratios, 0.90);
        return Double.isFinite(q) ? Math.max(q / Calibration.Z90, 1e-6) : 1;
    }

    /**
     * σ's coverage of each element's test sites (elements with at least {@code minSites} test sites, or 100 when per-element
     * scales are off), with the class scales alone (σ recomputed from the raw spread as the graph would) and with the scales
     * served (the trusted graph's σ); and, over those elements, the worst and best coverage and the site-weighted mean
     * distance of an element's coverage from 90%, in both ways.
     */
    static List<ElementCoverage> elementCoverage(Map<String, Double> fig, List<SiteDataset.Example> test, List<SiteOutputs> raw,
            List<SiteOutputs> trusted, Trust.Uncertainty unc, boolean[] tm, int minSites) {
        Trust.Uncertainty classOnly = unc.classScalesOnly();
        Map<Integer, double[]> acc = new TreeMap<>();       // z -> sites, |error|, inside (class), inside (served), σ (class), σ (served)
        SiteDataset.forEachLabelled(test, (k, i, target, z) -> {
            double[] a = acc.computeIfAbsent(z, x -> new double[6]);
            double err = Math.abs(trusted.get(k).values()[i] - target);
            double sClass = Math.min(raw.get(k).std()[i] * classOnly.scale(z, tm[z]), classOnly.cap());
            double sServed = trusted.get(k).std()[i];
            a[0]++;
            a[1] += err;
            a[2] += err <= Calibration.Z90 * sClass ? 1 : 0;
            a[3] += err <= Calibration.Z90 * sServed ? 1 : 0;
            a[4] += sClass;
            a[5] += sServed;
        });
        int floor = minSites > 0 ? minSites : 100;
        List<ElementCoverage> rows = new ArrayList<>();
        for (Map.Entry<Integer, double[]> e : acc.entrySet()) {
            double[] a = e.getValue();
            if (a[0] >= floor) {
                String el = Elements.symbol(e.getKey());
                rows.add(new ElementCoverage(el, (long) a[0], a[1] / a[0], unc.elementScales().containsKey(el), unc.scale(e.getKey(), tm[e.getKey()]),
                        classOnly.scale(e.getKey(), tm[e.getKey()]), a[2] / a[0], a[3] / a[0], a[4] / a[0], a[5] / a[0]));
            }
        }
        coverageSpread(fig, rows, ElementCoverage::withinClassScales, "_class_scales");
        coverageSpread(fig, rows, ElementCoverage::within, "");
        if (!rows.isEmpty()) {
            fig.put("uncertainty_element_scales", (double) unc.elementScales().size());
        }
        List<float[]> classStd = new ArrayList<>();
        for (int k = 0; k < test.size(); k++) {
            float[] r = raw.get(k).std();
            float[] c = new float[r.length];
            for (int i = 0; i < r.length; i++) {
                int z = test.get(k).graph().species(i);
                c[i] = (float) Math.min(r[i] * classOnly.scale(z, tm[z]), classOnly.cap());
            }
            classStd.add(c);
        }
        Calibration cal = Calibration.of(test, values(trusted), classStd, Calibration.Z90);
        fig.put("test_within_1.645_std_class_scales", cal.withinFraction());
        fig.put("test_within_1.645_std_tm_class_scales", cal.withinFractionTransitionMetals());
        fig.put("test_mean_std_class_scales", cal.meanStd());
        fig.put("test_mean_std_tm_class_scales", cal.meanStdTransitionMetals());
        return rows;
    }

    /**
     * Over the elements' rows, the worst and best coverage ({@code within}) and the site-weighted mean distance of an
     * element's coverage from 90%, as the figures {@code test_within_1.645_std_element_worst/best/deviation} + {@code suffix};
     * nothing without rows.
     */
    static void coverageSpread(Map<String, Double> fig, List<ElementCoverage> rows, java.util.function.ToDoubleFunction<ElementCoverage> within,
            String suffix) {
        spread(fig, "test_within_1.645_std_element", suffix, rows.stream().mapToLong(ElementCoverage::testSites).toArray(),
                rows.stream().mapToDouble(within).toArray());
    }

    /**
     * Over elements with {@code sites[e]} test sites each, covered at {@code within[e]}: the worst and best coverage and
     * the site-weighted mean distance of an element's coverage from 90%, as the figures {@code prefix_worst},
     * {@code prefix_best} and {@code prefix_deviation} (each + {@code suffix}); nothing without elements.
     */
    private static void spread(Map<String, Double> fig, String prefix, String suffix, long[] sites, double[] within) {
        if (sites.length == 0) {
            return;
        }
        double worst = 1;
        double best = 0;
        double dev = 0;
        double n = 0;
        for (int e = 0; e < sites.length; e++) {
            worst = Math.min(worst, within[e]);
            best = Math.max(best, within[e]);
            dev += sites[e] * Math.abs(within[e] - 0.90);
            n += sites[e];
        }
        fig.put(prefix + "_worst" + suffix, worst);
        fig.put(prefix + "_best" + suffix, best);
        fig.put(prefix + "_deviation" + suffix, dev / n);
    }

    private static void figures(Map<String, Double> fig, List<SiteDataset.Example> test, List<SiteOutputs> raw, List<SiteOutputs> trusted,
            PropertySpec.Constraint c, Trust.Uncertainty unc) {
        SiteMetrics before = SiteMetrics.of(test, values(raw));
        SiteMetrics after = SiteMetrics.of(test, values(trusted));
        fig.put("test_mae_unconstrained", before.mae());
        fig.put("test_mae_tm_unconstrained", before.maeTransitionMetals());
        fig.put("test_mae", after.mae());
        fig.put("test_mae_tm", after.maeTransitionMetals());
        long negBefore = 0;
        long negAfter = 0;
        List<Double> sumBefore = new ArrayList<>();
        List<Double> sumAfter = new ArrayList<>();
        List<Double> siteScores = new ArrayList<>();
        long capped = 0;
        long sites = 0;
        for (int k = 0; k < test.size(); k++) {
            double sb = 0;
            double sa = 0;
            for (int i = 0; i < raw.get(k).values().length; i++) {
                negBefore += raw.get(k).values()[i] < 0 ? 1 : 0;
                negAfter += trusted.get(k).values()[i] < 0 ? 1 : 0;
                sb += raw.get(k).values()[i];
                sa += trusted.get(k).values()[i];
                siteScores.add((double) trusted.get(k).domain()[i]);
                if (unc != null) {
                    capped += trusted.get(k).std()[i] >= (float) unc.cap() ? 1 : 0;
                }
                sites++;
            }
            sumBefore.add(Math.abs(sb));
            sumAfter.add(Math.abs(sa));
        }
        fig.put("test_negative_sites_unconstrained", (double) negBefore);
        fig.put("test_negative_sites", (double) negAfter);
        if (c == PropertySpec.Constraint.CONSERVED_SUM) {
            fig.put("test_abs_sum_median_unconstrained", DomainFitter.quantile(sumBefore, 0.5));
            fig.put("test_abs_sum_max_unconstrained", DomainFitter.quantile(sumBefore, 1));
            fig.put("test_abs_sum_max", DomainFitter.quantile(sumAfter, 1));
        }
        fig.put("domain_test_site_score_p50", DomainFitter.quantile(siteScores, 0.5));
        fig.put("domain_test_site_score_p95", DomainFitter.quantile(siteScores, 0.95));
        fig.put("domain_test_site_score_p99", DomainFitter.quantile(siteScores, 0.99));
        errorAgainstScore(fig, test, trusted, siteScores);
        if (unc != null) {
            Calibration cal = Calibration.of(test, values(trusted), std(trusted), Calibration.Z90);
            fig.put("test_within_1.645_std", cal.withinFraction());
            fig.put("test_within_1.645_std_tm", cal.withinFractionTransitionMetals());
            fig.put("test_mean_std", cal.meanStd());
            fig.put("test_mean_std_tm", cal.meanStdTransitionMetals());
            fig.put("test_std_capped_fraction", sites == 0 ? 0 : (double) capped / sites);
            fig.put("uncertainty_scale_tm", unc.scaleTransitionMetals());
            fig.put("uncertainty_scale_other", unc.scaleOther());
            fig.put("uncertainty_cap", unc.cap());
        }
    }

    /**
     * A single model's σ from residuals on the test split: its coverage at ±1.645σ over all sites and TM sites, the mean σ,
     * and over the elements with at least 500 labelled test sites the worst and best coverage and the site-weighted mean
     * distance of an element's coverage from 90%; those elements' rows (coverage, MAE, mean σ; no scales).
     */
    private static List<ElementCoverage> residualFigures(Map<String, Double> fig, List<SiteDataset.Example> test, List<SiteOutputs> trusted,
            Trust.ResidualStd r, boolean nonNegative) {
        Calibration cal = Calibration.of(test, values(trusted), std(trusted), Calibration.Z90);
        fig.put("test_within_1.645_std", cal.withinFraction());
        fig.put("test_within_1.645_std_tm", cal.withinFractionTransitionMetals());
        fig.put("test_mean_std", cal.meanStd());
        fig.put("test_mean_std_tm", cal.meanStdTransitionMetals());
        Map<Integer, double[]> acc = new TreeMap<>();                 // z -> sites, inside, |error|, σ
        SiteDataset.forEachLabelled(test, (k, i, target, z) -> {
            double[] a = acc.computeIfAbsent(z, x -> new double[4]);
            double err = Math.abs(trusted.get(k).values()[i] - target);
            a[0]++;
            a[1] += err <= Calibration.Z90 * trusted.get(k).std()[i] ? 1 : 0;
            a[2] += err;
            a[3] += trusted.get(k).std()[i];
        });
        List<ElementCoverage> rows = new ArrayList<>();
        for (Map.Entry<Integer, double[]> e : acc.entrySet()) {
            double[] a = e.getValue();
            if (a[0] >= 500) {
                String el = Elements.symbol(e.getKey());
                // a σ from residuals has no scale: those columns are NaN
                rows.add(new ElementCoverage(el, (long) a[0], a[2] / a[0], r.elementBins().containsKey(el), Double.NaN, Double.NaN, Double.NaN,
                        a[1] / a[0], Double.NaN, a[3] / a[0]));
            }
        }
        coverageSpread(fig, rows, ElementCoverage::within, "");
        if (r.interval() != null) {
            intervalFigures(fig, test, trusted, r, nonNegative);
        }
        fig.put("residual_std_bins", (double) r.bins());
        fig.put("residual_std_elements", (double) r.elementBins().size());
        return rows;
    }

    /** The one-sided interval's figures over the elements with at least 500 labelled test sites (as σ's). */
    static void intervalFigures(Map<String, Double> fig, List<SiteDataset.Example> test, List<SiteOutputs> trusted, Trust.ResidualStd r,
            boolean nonNegative) {
        intervalFigures(fig, test, trusted, r, nonNegative, 500);
    }

    /**
     * The one-sided interval on the test split, as the graph serves it (its {@code site_interval}, cut at 0 for a
     * non-negative property): the share of labels inside it and its mean width, over all sites and TM sites, beside
     * the symmetric ± 1.645σ's width cut the same way; and over the elements with at least {@code elementSites}
     * labelled test sites, the worst and best element's coverage and the site-weighted mean distance of an element's
     * coverage from 90% ({@code test_within_interval_element_worst / best / deviation}).
     */
    static void intervalFigures(Map<String, Double> fig, List<SiteDataset.Example> test, List<SiteOutputs> trusted, Trust.ResidualStd r,
            boolean nonNegative, int elementSites) {
        double[] sum = new double[8];   // [all, TM] × (sites, inside, width, symmetric width)
        Map<Integer, long[]> byElement = new TreeMap<>();   // z -> sites, inside
        SiteDataset.forEachLabelled(test, (k, i, target, z) -> {
            boolean tm = SiteMetrics.isTransitionMetal(z);
            double y = trusted.get(k).values()[i];
            double lo = trusted.get(k).interval()[2 * i];                                       // [n, 2]: lower, upper
            double hi = trusted.get(k).interval()[2 * i + 1];
            double s = Calibration.Z90 * trusted.get(k).std()[i];
            double symmetric = (y + s) - (nonNegative ? Math.max(0, y - s) : y - s);
            boolean inside = target >= lo && target <= hi;
            for (int g = 0; g < (tm ? 2 : 1); g++) {
                sum[4 * g]++;
                sum[4 * g + 1] += inside ? 1 : 0;
                sum[4 * g + 2] += hi - lo;
                sum[4 * g + 3] += symmetric;
            }
            long[] e = byElement.computeIfAbsent(z, x -> new long[2]);
            e[0]++;
            e[1] += inside ? 1 : 0;
        });
        List<long[]> counted = byElement.values().stream().filter(e -> e[0] >= elementSites).toList();
        spread(fig, "test_within_interval_element", "", counted.stream().mapToLong(e -> e[0]).toArray(),
                counted.stream().mapToDouble(e -> (double) e[1] / e[0]).toArray());
        String[] group = {"", "_tm"};
        for (int g = 0; g < 2; g++) {
            if (sum[4 * g] > 0) {
                fig.put("test_within_interval" + group[g], sum[4 * g + 1] / sum[4 * g]);
                fig.put("test_interval_width" + group[g], sum[4 * g + 2] / sum[4 * g]);
                fig.put("test_symmetric_interval_width" + group[g], sum[4 * g + 3] / sum[4 * g]);
            }
        }
        fig.put("residual_interval_tail", r.interval().tail());
    }

    /**
     * Janet et al.'s check on our data: the test MAE of the sites in each band of domain score (below its median,
     * median to 90%, 90% to 99%, above 99%), and the sites' MAE in structures of each domain verdict.
     */
    private static void errorAgainstScore(Map<String, Double> fig, List<SiteDataset.Example> test, List<SiteOutputs> trusted, List<Double> siteScores) {
        double[] edges = {DomainFitter.quantile(siteScores, 0.5), DomainFitter.quantile(siteScores, 0.9), DomainFitter.quantile(siteScores, 0.99)};
        String[] names = {"below_p50", "p50_p90", "p90_p99", "above_p99"};
        double[] sum = new double[4];
        long[] n = new long[4];
        SiteDataset.forEachLabelled(test, (k, i, target, z) -> {
            double s = trusted.get(k).domain()[i];
            int band = s < edges[0] ? 0 : s < edges[1] ? 1 : s < edges[2] ? 2 : 3;
            sum[band] += Math.abs(trusted.get(k).values()[i] - target);
            n[band]++;
        });
        for (int b = 0; b < 4; b++) {
            fig.put("test_mae_domain_" + names[b], n[b] == 0 ? Double.NaN : sum[b] / n[b]);
        }
    }

    static List<float[]> values(List<SiteOutputs> o) {
        return o.stream().map(SiteOutputs::values).toList();
    }

    static List<float[]> std(List<SiteOutputs> o) {
        return o.stream().map(SiteOutputs::std).toList();
    }

    /**
     * The share of test structures the fitted verdict calls out of domain by their scores alone (the check of rarely
     * seen elements depends on the server's {@code min-element-sites} and is left out).
     */
    private static double outOfDomainShare(Trust.Domain d, List<SiteDataset.Example> test, List<SiteOutputs> trusted) {
        long out = 0;
        for (int k = 0; k < test.size(); k++) {
            out += DomainAssessment.byScores(d, trusted.get(k).domain()) ? 1 : 0;
        }
        return test.isEmpty() ? 0 : (double) out / test.size();
    }

    /**
     * The version as it was before its trust head: the graph without it ({@link OnnxTrustHead#strip}) and a card with
     * no trust facts and no constraints, so that a trust head can be fitted to it again (with other options, or by a
     * newer fitting). Its weights, metrics and provenance are the version's own.
     */
    public static LoadedModel withoutTrustHead(LoadedModel m) {
        ModelSpec s = m.spec();
        List<PropertySpec> plain = s.properties().stream().map(p -> p.withConstraint(PropertySpec.Constraint.NONE)).toList();
        return new LoadedModel(m.directory(), s.withTrust(Trust.NONE, plain, s.provenance()), OnnxTrustHead.strip(m.onnx()), "");
    }

    /** Whether a loaded graph already has a trust head (a domain score output). */
    public static boolean hasTrustHead(LoadedModel m) {
        return m.spec().trust().domain() != null;
    }
}
