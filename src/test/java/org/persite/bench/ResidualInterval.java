package org.persite.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.persite.inference.SiteOutputs;
import org.persite.model.LoadedModel;
import org.persite.model.Trust;
import org.persite.structure.Elements;
import org.persite.train.DomainFitter;
import org.persite.train.SiteDataset;
import org.persite.train.SiteMetrics;

/**
 * Issue 20 asks for an honest answer where the label is bimodal. A single model's σ from residuals (step 15) gives a
 * symmetric interval ŷ ± 1.645σ; where the errors are one-sided (a site predicted in low spin is either right or several
 * μB too low) the interval could be asymmetric: ŷ + [q₀₅, q₉₅] of the signed validation errors (label - prediction) of
 * the same groups (element and the card's bins of the predicted value; an element's bin with fewer than 200 validation
 * sites takes the element's, an element with fewer its class's). This aid fits those quantiles on the validation split
 * and compares both 90% intervals on the test split: coverage, mean width, and the interval score of Gneiting and
 * Raftery (2007), width + (2 / α) × the distance by which the label falls outside (α = 0.1; lower is better). For a
 * non-negative property both intervals are cut at 0 first.
 *
 * <pre>bin/bench-run org.persite.bench.ResidualInterval [models/magmom] [data/mp_magmom_tmo/structures.jsonl.gz] [tail 0.05]</pre>
 *
 * The last argument is the quantile level of each tail (0.05: q₀₅ and q₉₅); a smaller one widens the one-sided interval.
 */
public final class ResidualInterval {
    static final int MIN_SITES = 200;

    public static void main(String[] args) throws Exception {
        Path modelPath = Path.of(args.length > 0 ? args[0] : "models/magmom");
        Path data = Path.of(args.length > 1 ? args[1] : "data/mp_magmom_tmo/structures.jsonl.gz");
        double tail = args.length > 2 ? Double.parseDouble(args[2]) : IntervalTally.ALPHA / 2;
        ServedSplits served = ServedSplits.load(modelPath, data);
        LoadedModel m = served.model();
        Trust.ResidualStd r = m.spec().trust().residualStd();
        if (r == null) {
            throw new IllegalArgumentException(modelPath + " has no σ from residuals (trust.residual_std)");
        }
        boolean nonNegative = served.nonNegative();
        List<SiteDataset.Example> val = served.validation();
        List<SiteDataset.Example> test = served.test();
        List<SiteOutputs> outVal = served.validationOutputs();
        List<SiteOutputs> outTest = served.testOutputs();
        double[] edges = r.edges();
        // signed validation errors by (z, bin), by z, and by class
        Map<String, List<Double>> groups = new HashMap<>();
        SiteDataset.forEachLabelled(val, (k, i, target, z) -> {
            double y = outVal.get(k).values()[i];
            double e = target - y;
            groups.computeIfAbsent(z + "/" + Trust.ResidualStd.bin(edges, y), x -> new ArrayList<>()).add(e);
            groups.computeIfAbsent(Integer.toString(z), x -> new ArrayList<>()).add(e);
            groups.computeIfAbsent(SiteMetrics.isTransitionMetal(z) ? "tm" : "other", x -> new ArrayList<>()).add(e);
        });
        Map<String, double[]> quantiles = new HashMap<>();
        groups.forEach((key, errors) -> quantiles.put(key, new double[] {DomainFitter.quantile(errors, tail),
                DomainFitter.quantile(errors, 1 - tail)}));

        String[] names = {"ŷ ± 1.645σ (served σ)", String.format(Locale.ROOT, "ŷ + [q(%.3f), q(%.3f)] of the group's errors", tail, 1 - tail)};
        IntervalTally tally = new IntervalTally(names, nonNegative);
        long[] belowZero = new long[2];   // symmetric lower bounds below 0: all, TM
        SiteDataset.forEachLabelled(test, (k, i, target, z) -> {
            double y = outTest.get(k).values()[i];
            double s = outTest.get(k).std()[i];
            boolean tm = SiteMetrics.isTransitionMetal(z);
            String own = z + "/" + Trust.ResidualStd.bin(edges, y);
            String key = groups.getOrDefault(own, List.of()).size() >= MIN_SITES ? own
                    : groups.getOrDefault(Integer.toString(z), List.of()).size() >= MIN_SITES ? Integer.toString(z) : tm ? "tm" : "other";
            double[] q = quantiles.get(key);
            if (y - 1.645 * s < 0) {
                belowZero[0]++;
                belowZero[1] += tm ? 1 : 0;
            }
            tally.add(z, target, new double[][] {{y - 1.645 * s, y + 1.645 * s}, {y + q[0], y + q[1]}});
        });
        System.out.printf(Locale.ROOT, "%s v%d, test split: %d sites, %d TM; validation groups of at least %d sites%n", m.spec().name(),
                m.spec().version(), tally.sites(), tally.transitionMetalSites(), MIN_SITES);
        System.out.printf(Locale.ROOT, "symmetric intervals reaching below 0: %.1f%% of all sites, %.1f%% of TM sites%n",
                100.0 * belowZero[0] / tally.sites(), 100.0 * belowZero[1] / tally.transitionMetalSites());
        tally.print(1000);
        for (String el : new String[] {"Co", "Fe", "Mn"}) {
            int z = Elements.atomicNumber(el);
            StringBuilder b = new StringBuilder("  " + el + " by bin of the prediction, q05 / q95 of the errors and σ:");
            for (int bin = 0; bin <= edges.length; bin++) {
                double[] q = quantiles.get(z + "/" + bin);
                if (q != null && groups.get(z + "/" + bin).size() >= MIN_SITES) {
                    b.append(String.format(Locale.ROOT, " [%s] %+.2f / %+.2f, %.2f;", bin == 0 ? "<" + fmt(edges, 0) : bin == edges.length
                            ? "≥" + fmt(edges, bin - 1) : fmt(edges, bin - 1) + "-" + fmt(edges, bin), q[0], q[1], r.stdInBin(z, true, bin)));
                }
            }
            System.out.println(b);
        }
    }

    private static String fmt(double[] edges, int i) {
        return String.format(Locale.ROOT, "%.2f", edges[i]);
    }
}
