package org.persite.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.persite.inference.SiteOutputs;
import org.persite.model.LoadedModel;
import org.persite.train.DomainFitter;
import org.persite.train.SiteDataset;
import org.persite.train.SiteMetrics;

/**
 * Issue 20, step 18: which 90% interval an ensemble should serve. An ensemble's σ is the members' spread times a
 * per-element scale (step 12), so unlike a single model's it differs from site to site; its interval ŷ ± 1.645σ is
 * symmetric, though a magnetic moment's errors are one-sided by spin state (step 17). This aid fits three one-sided
 * intervals on the validation split and compares them with the served one on the test split:
 * <ul>
 *   <li>"group": ŷ + [q(t), q(1 - t)] of the signed errors (label - prediction) of the site's group (element and 8 bins
 *   of the prediction, as a single model's; a group under 200 validation sites takes its element's, then its class's):
 *   what single models serve, σ unused;</li>
 *   <li>"σ-scaled by element": ŷ + σ·[q(t), q(1 - t)] of the normalised errors (label - prediction) / σ of the site's
 *   element (else class): per site through σ, one-sided through the quantiles;</li>
 *   <li>"σ-scaled by group": the same quantiles per (element, bin) group.</li>
 * </ul>
 * For each: coverage, mean width and the interval score of Gneiting and Raftery (2007), width + (2 / α) × the distance
 * by which the label falls outside (α = 0.1; lower is better), all and TM sites; for a non-negative property every
 * interval is cut at 0 first. Then each element's coverage (at least 1,000 test sites).
 *
 * <pre>bin/bench-run org.persite.bench.EnsembleInterval [models/magmom-ensemble] [data/mp_magmom_tmo/structures.jsonl.gz] [tail 0.05]</pre>
 */
public final class EnsembleInterval {
    static final int MIN_SITES = 200;
    static final int BINS = 8;

    public static void main(String[] args) throws Exception {
        Path modelPath = Path.of(args.length > 0 ? args[0] : "models/magmom-ensemble");
        Path data = Path.of(args.length > 1 ? args[1] : "data/mp_magmom_tmo/structures.jsonl.gz");
        double tail = args.length > 2 ? Double.parseDouble(args[2]) : IntervalTally.ALPHA / 2;
        ServedSplits served = ServedSplits.load(modelPath, data);
        LoadedModel m = served.model();
        if (served.testOutputs().isEmpty() || served.testOutputs().get(0).std() == null) {
            throw new IllegalArgumentException(modelPath + " serves no σ");
        }
        boolean nonNegative = served.nonNegative();
        List<SiteDataset.Example> val = served.validation();
        List<SiteDataset.Example> test = served.test();
        List<SiteOutputs> outVal = served.validationOutputs();
        List<SiteOutputs> outTest = served.testOutputs();
        List<Double> predicted = new ArrayList<>();
        SiteDataset.forEachLabelled(val, (k, i, target, z) -> predicted.add((double) outVal.get(k).values()[i]));
        double lo = DomainFitter.quantile(predicted, 0.01);
        double hi = DomainFitter.quantile(predicted, 0.99);
        double[] edges = new double[BINS - 1];
        for (int b = 0; b < edges.length; b++) {
            edges[b] = lo + (hi - lo) * (b + 1) / BINS;
        }
        // [raw errors, normalised errors]: key -> list
        List<Map<String, List<Double>>> groups = List.of(new HashMap<>(), new HashMap<>());
        SiteDataset.forEachLabelled(val, (k, i, target, z) -> {
            double y = outVal.get(k).values()[i];
            double s = Math.max(1e-6, outVal.get(k).std()[i]);
            double[] e = {target - y, (target - y) / s};
            for (int w = 0; w < 2; w++) {
                groups.get(w).computeIfAbsent(z + "/" + bin(edges, y), x -> new ArrayList<>()).add(e[w]);
                groups.get(w).computeIfAbsent(Integer.toString(z), x -> new ArrayList<>()).add(e[w]);
                groups.get(w).computeIfAbsent(SiteMetrics.isTransitionMetal(z) ? "tm" : "other", x -> new ArrayList<>()).add(e[w]);
            }
        });
        List<Map<String, double[]>> quantiles = List.of(new HashMap<>(), new HashMap<>());
        for (int w = 0; w < 2; w++) {
            Map<String, double[]> q = quantiles.get(w);
            groups.get(w).forEach((key, errors) -> q.put(key, new double[] {DomainFitter.quantile(errors, tail), DomainFitter.quantile(errors, 1 - tail)}));
        }
        String[] names = {"ŷ ± 1.645σ (served)", "group quantiles, σ unused", "σ-scaled, by element", "σ-scaled, by group"};
        IntervalTally tally = new IntervalTally(names, nonNegative);
        SiteDataset.forEachLabelled(test, (k, i, target, z) -> {
            double y = outTest.get(k).values()[i];
            double s = outTest.get(k).std()[i];
            double[] g = quantiles.get(0).get(key(groups.get(0), z, bin(edges, y), true));
            double[] e = quantiles.get(1).get(key(groups.get(1), z, bin(edges, y), false));
            double[] eg = quantiles.get(1).get(key(groups.get(1), z, bin(edges, y), true));
            tally.add(z, target, new double[][] {{y - 1.645 * s, y + 1.645 * s}, {y + g[0], y + g[1]}, {y + s * e[0], y + s * e[1]},
                {y + s * eg[0], y + s * eg[1]}});
        });
        System.out.printf(Locale.ROOT, "%s v%d, test split: %d sites, %d TM; tails %.3f; validation groups of at least %d sites%n", m.spec().name(),
                m.spec().version(), tally.sites(), tally.transitionMetalSites(), tail, MIN_SITES);
        tally.print(1000);
    }

    private static int bin(double[] edges, double y) {
        int b = 0;
        while (b < edges.length && y >= edges[b]) {
            b++;
        }
        return b;
    }

    /** The site's group: (element, bin) if asked and big enough, else its element if big enough, else its class. */
    private static String key(Map<String, List<Double>> groups, int z, int bin, boolean byBin) {
        String own = z + "/" + bin;
        if (byBin && groups.getOrDefault(own, List.of()).size() >= MIN_SITES) {
            return own;
        }
        return groups.getOrDefault(Integer.toString(z), List.of()).size() >= MIN_SITES ? Integer.toString(z)
                : SiteMetrics.isTransitionMetal(z) ? "tm" : "other";
    }
}
