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

    public static void main(String[] args) throws Exception {
        Path dataPath = Path.of(args.length > 1 ? args[1] : "data/mp_magmom_tmo/structures.jsonl.gz");
        ServedSplits s = ServedSplits.load(Path.of(args.length > 0 ? args[0] : "models/magmom"), dataPath);
        if (s.testOutputs().isEmpty() || s.testOutputs().get(0).interval() == null || s.testOutputs().get(0).std() == null) {
            throw new IllegalArgumentException(s.model().directory() + " serves no interval and σ");
        }
        boolean nonNegative = s.nonNegative();
        Map<String, double[]> byElement = new TreeMap<>();   // sites, inside interval, inside ±1.645σ, interval width, symmetric width
        Map<String, double[]> byOrdering = new TreeMap<>();  // the same, keyed "ordering, all" and "ordering, TM"
        List<MagneticOrderingResidual.Ordering> orderings = orderings(s, dataPath);
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
            for (double[] row : rows) {
                row[0]++;
                row[1] += target >= lo && target <= hi ? 1 : 0;
                row[2] += target >= symLo && target <= symHi ? 1 : 0;
                row[3] += hi - lo;
                row[4] += symHi - symLo;
            }
        });
        System.out.printf(Locale.ROOT, "%s v%d, test split; elements with at least %d sites: sites, covered by the interval / ±1.645σ, "
                + "mean width interval / ±1.645σ%n", s.model().spec().name(), s.model().spec().version(), MIN_SITES);
        byElement.forEach((el, row) -> {
            if (row[0] >= MIN_SITES) {
                System.out.printf(Locale.ROOT, "  %-2s %7d  %5.1f%% / %5.1f%%  %.3f / %.3f%n", el, (long) row[0], 100 * row[1] / row[0],
                        100 * row[2] / row[0], row[3] / row[0], row[4] / row[0]);
            }
        });
        if (orderings != null) {
            System.out.println("by the ordering the calculation ended in (from the signed labels): the same columns");
            byOrdering.forEach((key, row) -> System.out.printf(Locale.ROOT, "  %-8s %7d  %5.1f%% / %5.1f%%  %.3f / %.3f%n", key, (long) row[0],
                    100 * row[1] / row[0], 100 * row[2] / row[0], row[3] / row[0], row[4] / row[0]));
        }
    }

    /** Each test structure's ordering, in test order, when the card's target is the absolute value of signed labels; else null. */
    private static List<MagneticOrderingResidual.Ordering> orderings(ServedSplits s, Path data) throws Exception {
        if (TrainingProvenance.of(s.model().spec()).target().transform() != TargetSpec.Transform.ABS) {
            return null;
        }
        java.util.Set<String> ids = new java.util.HashSet<>();
        s.test().forEach(e -> ids.add(MagneticOrderingResidual.recordId(e.id())));
        Map<String, double[]> signed = MagneticOrderingResidual.signedMoments(data, ids);
        List<MagneticOrderingResidual.Ordering> out = new ArrayList<>();
        for (SiteDataset.Example e : s.test()) {
            int[] z = new int[e.graph().numSites()];
            for (int i = 0; i < z.length; i++) {
                z[i] = e.graph().species(i);
            }
            out.add(MagneticOrderingResidual.ordering(z, signed.get(MagneticOrderingResidual.recordId(e.id()))));
        }
        return out;
    }
}
