package org.persite.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.persite.inference.SiteOutputs;
import org.persite.structure.Elements;
import org.persite.train.SiteDataset;
import org.persite.train.SiteMetrics;
import org.persite.train.TargetSpec;
import org.persite.train.TrainingProvenance;

/**
 * A served version's own one-sided interval (its graph's {@code site_interval}) and ±1.645σ on its test split, per
 * element with at least 500 labelled test sites (the threshold of the card's element figures): the share of labels
 * inside each and their mean widths, for the cards written before those figures. For a data set with signed magnetic
 * moments (the served target their absolute value) it prints the same by the ordering each calculation ended in
 * ({@link MagneticOrderingResidual#ordering}), over all sites and over TM sites.
 *
 * <pre>bin/bench-run org.persite.bench.ServedIntervalCoverage [models/magmom] [data/mp_magmom_tmo/structures.jsonl.gz]</pre>
 */
public final class ServedIntervalCoverage {
    static final int MIN_SITES = 500;
    /** Bootstrap resamples of an element's test crystals for the range of its coverage. */
    static final int RESAMPLES = 2000;

    public static void main(String[] args) throws Exception {
        Path dataPath = Path.of(args.length > 1 ? args[1] : "data/mp_magmom_tmo/structures.jsonl.gz");
        ServedSplits s = ServedSplits.load(Path.of(args.length > 0 ? args[0] : "models/magmom"), dataPath);
        if (s.testOutputs().isEmpty() || s.testOutputs().get(0).interval() == null || s.testOutputs().get(0).std() == null) {
            throw new IllegalArgumentException(s.model().directory() + " serves no interval and σ");
        }
        boolean nonNegative = s.nonNegative();
        Map<String, double[]> byElement = new TreeMap<>();   // sites, inside interval, inside ±1.645σ, interval width, symmetric width
        Map<String, double[]> byOrdering = new TreeMap<>();  // the same, keyed "ordering, all" and "ordering, TM"
        // for |m| of signed moments, each test structure's ordering (in test order); else none
        List<MagneticOrderingResidual.Ordering> orderings = TrainingProvenance.of(s.model().spec()).target().transform() == TargetSpec.Transform.ABS
                ? MagneticOrderingResidual.orderings(s.test(), dataPath) : null;
        Map<String, Map<Integer, int[]>> byElementCrystal = new TreeMap<>();  // per element, per test crystal: sites, inside interval, inside ±1.645σ
        SiteDataset.forEachLabelled(s.test(), (k, i, target, z) -> {
            SiteOutputs o = s.testOutputs().get(k);
            double y = o.values()[i];
            double lo = o.interval()[2 * i];
            double hi = o.interval()[2 * i + 1];
            double symLo = nonNegative ? Math.max(0, y - 1.645 * o.std()[i]) : y - 1.645 * o.std()[i];
            double symHi = y + 1.645 * o.std()[i];
            List<double[]> rows = new ArrayList<>();
            rows.add(byElement.computeIfAbsent(Elements.symbol(z), x -> new double[5]));
            if (orderings != null) {
                rows.add(byOrdering.computeIfAbsent(orderings.get(k) + ", all", x -> new double[5]));
                if (SiteMetrics.isTransitionMetal(z)) {
                    rows.add(byOrdering.computeIfAbsent(orderings.get(k) + ", TM", x -> new double[5]));
                }
            }
            int inInterval = target >= lo && target <= hi ? 1 : 0;
            int inSigma = target >= symLo && target <= symHi ? 1 : 0;
            int[] crystal = byElementCrystal.computeIfAbsent(Elements.symbol(z), x -> new TreeMap<>()).computeIfAbsent(k, x -> new int[3]);
            crystal[0]++;
            crystal[1] += inInterval;
            crystal[2] += inSigma;
            for (double[] row : rows) {
                row[0]++;
                row[1] += inInterval;
                row[2] += inSigma;
                row[3] += hi - lo;
                row[4] += symHi - symLo;
            }
        });
        Map<String, int[]> validationByElement = new TreeMap<>();  // the validation split, where the interval was fitted: sites, inside interval
        SiteDataset.forEachLabelled(s.validation(), (k, i, target, z) -> {
            SiteOutputs o = s.validationOutputs().get(k);
            int[] row = validationByElement.computeIfAbsent(Elements.symbol(z), x -> new int[2]);
            row[0]++;
            row[1] += target >= o.interval()[2 * i] && target <= o.interval()[2 * i + 1] ? 1 : 0;
        });
        System.out.printf(Locale.ROOT, "%s v%d, test split; elements with at least %d sites: sites, covered by the interval / ±1.645σ, "
                + "mean width interval / ±1.645σ; crystals, and the 5-95%% range of each coverage over %d resamples of the element's test crystals; the interval's coverage on the validation split it was fitted on%n",
                s.model().spec().name(), s.model().spec().version(), MIN_SITES, RESAMPLES);
        byElement.forEach((el, row) -> {
            if (row[0] >= MIN_SITES) {
                List<int[]> crystals = new ArrayList<>(byElementCrystal.get(el).values());
                double[] interval = resampledRange(crystals, 1);
                double[] sigma = resampledRange(crystals, 2);
                int[] v = validationByElement.getOrDefault(el, new int[] {0, 0});
                System.out.printf(Locale.ROOT, "  %-2s %7d  %5.1f%% / %5.1f%%  %.3f / %.3f  %4d crystals: %.1f-%.1f%% / %.1f-%.1f%%  validation %5.1f%% of %d%n", el,
                        (long) row[0], 100 * row[1] / row[0], 100 * row[2] / row[0], row[3] / row[0], row[4] / row[0], crystals.size(), 100 * interval[0],
                        100 * interval[1], 100 * sigma[0], 100 * sigma[1], 100.0 * v[1] / Math.max(1, v[0]), v[0]);
            }
        });
        if (orderings != null) {
            System.out.println("by the ordering the calculation ended in (from the signed labels): the same columns");
            byOrdering.forEach((key, row) -> System.out.printf(Locale.ROOT, "  %-8s %7d  %5.1f%% / %5.1f%%  %.3f / %.3f%n", key, (long) row[0],
                    100 * row[1] / row[0], 100 * row[2] / row[0], row[3] / row[0], row[4] / row[0]));
        }
    }

    /**
     * The 5% and 95% quantiles of a coverage over {@value #RESAMPLES} bootstrap resamples of whole crystals (sites of one
     * crystal share their errors, so resampling sites would understate the spread); column 1 or 2 of [sites, inside, inside].
     */
    static double[] resampledRange(List<int[]> crystals, int column) {
        java.util.Random random = new java.util.Random(1);
        double[] coverage = new double[RESAMPLES];
        for (int r = 0; r < RESAMPLES; r++) {
            long sites = 0;
            long inside = 0;
            for (int n = 0; n < crystals.size(); n++) {
                int[] c = crystals.get(random.nextInt(crystals.size()));
                sites += c[0];
                inside += c[column];
            }
            coverage[r] = (double) inside / sites;
        }
        java.util.Arrays.sort(coverage);
        return new double[] {coverage[(int) (0.05 * RESAMPLES)], coverage[(int) (0.95 * RESAMPLES) - 1]};
    }
}
