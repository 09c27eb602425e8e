package org.persite.train;

import java.util.List;

/**
 * How well an ensemble's per-site standard deviation σ describes its errors on labelled sites: the fraction
 * of sites whose absolute error is within z·σ (z = 1.645 is the two-sided 90% interval of a normal
 * distribution, so a calibrated ensemble gives about 0.90), and the mean σ; over all sites and over
 * transition-metal sites.
 */
public record Calibration(double z, double withinFraction, double withinFractionTransitionMetals, double meanStd, double meanStdTransitionMetals) {

    /** The z of a two-sided 90% normal interval. */
    public static final double Z90 = 1.645;

    /**
     * @param mean per example, the ensemble mean [n]
     * @param std per example, the ensemble standard deviation [n]
     */
    public static Calibration of(List<SiteDataset.Example> examples, List<float[]> mean, List<float[]> std, double z) {
        long[] n = new long[2];        // all sites, TM sites
        long[] in = new long[2];
        double[] sumStd = new double[2];
        SiteDataset.forEachLabelled(examples, (k, i, target, atomicNumber) -> {
            double s = std.get(k)[i];
            boolean inside = Math.abs(mean.get(k)[i] - target) <= z * s;
            for (int g = 0; g < (SiteMetrics.isTransitionMetal(atomicNumber) ? 2 : 1); g++) {
                n[g]++;
                sumStd[g] += s;
                in[g] += inside ? 1 : 0;
            }
        });
        return new Calibration(z, n[0] == 0 ? Double.NaN : (double) in[0] / n[0], n[1] == 0 ? Double.NaN : (double) in[1] / n[1],
                n[0] == 0 ? Double.NaN : sumStd[0] / n[0], n[1] == 0 ? Double.NaN : sumStd[1] / n[1]);
    }

    /**
     * The factor s that makes z·s·σ cover the given fraction of the labelled sites' absolute errors: the
     * fraction-quantile of |error| / σ, divided by z (σ-scaling recalibration; fit it on the validation
     * split, judge it on the test split). A site with σ = 0 and a non-zero error counts as uncovered.
     *
     * @throws IllegalArgumentException when no labelled site has σ > 0
     */
    public static double scaleFor(List<SiteDataset.Example> examples, List<float[]> mean, List<float[]> std, double z, double fraction) {
        List<Double> ratios = new java.util.ArrayList<>();
        boolean[] spread = {false};
        SiteDataset.forEachLabelled(examples, (k, i, target, z0) -> {
            double err = Math.abs(mean.get(k)[i] - target);
            double s = std.get(k)[i];
            spread[0] |= s > 0;
            ratios.add(s > 0 ? err / s : err == 0 ? 0 : Double.POSITIVE_INFINITY);
        });
        boolean anySpread = spread[0];
        if (!anySpread) {
            throw new IllegalArgumentException("the members agree on every site: there is no spread to scale");
        }
        java.util.Collections.sort(ratios);
        double q = ratios.get(Math.min(ratios.size() - 1, (int) Math.ceil(fraction * ratios.size()) - 1));
        if (Double.isInfinite(q)) {
            throw new IllegalArgumentException("more than " + (1 - fraction) + " of the sites have σ = 0 and an error: no finite scale covers them");
        }
        return Math.max(q, 1e-12) / z;
    }

    /** σ · s for every site. */
    public static List<float[]> scaled(List<float[]> std, double s) {
        return std.stream().map(a -> {
            float[] b = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                b[i] = (float) (a[i] * s);
            }
            return b;
        }).toList();
    }
}
