package org.persite.bench;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.persite.structure.Elements;
import org.persite.train.SiteMetrics;

/**
 * Tallies several 90% intervals over the same test sites for the interval aids ({@link ResidualInterval},
 * {@link EnsembleInterval}): per interval, over all sites and TM sites, the share of labels inside, the mean width and the
 * interval score of Gneiting and Raftery (2007), width + (2 / α) × the distance by which the label falls outside
 * (α = 0.1; lower is better); and per element, the share inside and the mean width. For a non-negative property every
 * interval is cut at 0 first.
 */
final class IntervalTally {
    /** The intervals' nominal miss rate: 90% intervals. */
    static final double ALPHA = 0.10;

    private final String[] names;
    private final boolean nonNegative;
    private final double[][][] sum;                                 // [interval][all, TM]: inside, width, score
    private final long[] sites = new long[2];
    private final Map<String, double[]> byElement = new TreeMap<>();   // element -> sites, inside per interval, width per interval

    IntervalTally(String[] names, boolean nonNegative) {
        this.names = names.clone();
        this.nonNegative = nonNegative;
        this.sum = new double[names.length][2][3];
    }

    /** One labelled site: {@code bounds[w]} is interval w's {lower, upper}, before any cut at 0. */
    void add(int z, double target, double[][] bounds) {
        int n = names.length;
        boolean tm = SiteMetrics.isTransitionMetal(z);
        double[] row = byElement.computeIfAbsent(Elements.symbol(z), x -> new double[1 + 2 * n]);
        row[0]++;
        for (int w = 0; w < n; w++) {
            double lo = nonNegative ? Math.max(0, bounds[w][0]) : bounds[w][0];
            double hi = nonNegative ? Math.max(0, bounds[w][1]) : bounds[w][1];
            boolean in = target >= lo && target <= hi;
            double score = (hi - lo) + (2 / ALPHA) * (Math.max(0, lo - target) + Math.max(0, target - hi));
            for (int g = 0; g < (tm ? 2 : 1); g++) {
                sum[w][g][0] += in ? 1 : 0;
                sum[w][g][1] += hi - lo;
                sum[w][g][2] += score;
            }
            row[1 + w] += in ? 1 : 0;
            row[1 + n + w] += hi - lo;
        }
        sites[0]++;
        sites[1] += tm ? 1 : 0;
    }

    long sites() {
        return sites[0];
    }

    long transitionMetalSites() {
        return sites[1];
    }

    /** One line per interval, then one per element with at least {@code minElementSites} sites. */
    void print(int minElementSites) {
        for (int w = 0; w < names.length; w++) {
            System.out.printf(Locale.ROOT, "%-40s covered %.1f%% / %.1f%%, mean width %.3f / %.3f, interval score %.3f / %.3f (all / TM)%n", names[w],
                    100 * sum[w][0][0] / sites[0], 100 * sum[w][1][0] / sites[1], sum[w][0][1] / sites[0], sum[w][1][1] / sites[1],
                    sum[w][0][2] / sites[0], sum[w][1][2] / sites[1]);
        }
        System.out.printf(Locale.ROOT, "per element (at least %,d test sites): sites, then each interval's coverage and mean width in the order above%n",
                minElementSites);
        int n = names.length;
        byElement.forEach((el, row) -> {
            if (row[0] >= minElementSites) {
                StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "  %-2s %7d ", el, (long) row[0]));
                for (int w = 0; w < n; w++) {
                    b.append(String.format(Locale.ROOT, " %5.1f%% %.3f", 100 * row[1 + w] / row[0], row[1 + n + w] / row[0]));
                }
                System.out.println(b);
            }
        });
    }
}
