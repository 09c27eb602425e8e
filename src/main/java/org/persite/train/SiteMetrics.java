package org.persite.train;

import java.util.List;

/** Mean absolute errors over labelled sites: all of them, and the transition-metal sites alone. */
public record SiteMetrics(double mae, double maeTransitionMetals, long sites, long transitionMetalSites) {

    /** Sc-Zn, Y-Cd, Hf-Hg. */
    public static boolean isTransitionMetal(int z) {
        return (z >= 21 && z <= 30) || (z >= 39 && z <= 48) || (z >= 72 && z <= 80);
    }

    /** MAE of predictions [N] per example against their targets (NaN targets skipped). */
    public static SiteMetrics of(List<SiteDataset.Example> examples, List<float[]> predictions) {
        double[] sum = new double[2];   // all sites, TM sites
        long[] n = new long[2];
        SiteDataset.forEachLabelled(examples, (k, i, target, z) -> {
            double err = Math.abs(predictions.get(k)[i] - target);
            sum[0] += err;
            n[0]++;
            if (isTransitionMetal(z)) {
                sum[1] += err;
                n[1]++;
            }
        });
        return new SiteMetrics(n[0] == 0 ? Double.NaN : sum[0] / n[0], n[1] == 0 ? Double.NaN : sum[1] / n[1], n[0], n[1]);
    }
}
