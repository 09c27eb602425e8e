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
        double sum = 0;
        double sumTm = 0;
        long n = 0;
        long nTm = 0;
        for (int k = 0; k < examples.size(); k++) {
            SiteDataset.Example ex = examples.get(k);
            float[] p = predictions.get(k);
            for (int i = 0; i < ex.targets().length; i++) {
                if (Float.isNaN(ex.targets()[i])) {
                    continue;
                }
                double err = Math.abs(p[i] - ex.targets()[i]);
                sum += err;
                n++;
                if (isTransitionMetal(ex.graph().species(i))) {
                    sumTm += err;
                    nTm++;
                }
            }
        }
        return new SiteMetrics(n == 0 ? Double.NaN : sum / n, nTm == 0 ? Double.NaN : sumTm / nTm, n, nTm);
    }
}
