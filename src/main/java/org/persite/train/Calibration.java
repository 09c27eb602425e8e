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
        long n = 0;
        long nTm = 0;
        long in = 0;
        long inTm = 0;
        double sumStd = 0;
        double sumStdTm = 0;
        for (int k = 0; k < examples.size(); k++) {
            SiteDataset.Example ex = examples.get(k);
            for (int i = 0; i < ex.targets().length; i++) {
                float t = ex.targets()[i];
                if (Float.isNaN(t)) {
                    continue;
                }
                double s = std.get(k)[i];
                boolean inside = Math.abs(mean.get(k)[i] - t) <= z * s;
                n++;
                sumStd += s;
                in += inside ? 1 : 0;
                if (SiteMetrics.isTransitionMetal(ex.graph().species(i))) {
                    nTm++;
                    sumStdTm += s;
                    inTm += inside ? 1 : 0;
                }
            }
        }
        return new Calibration(z, n == 0 ? Double.NaN : (double) in / n, nTm == 0 ? Double.NaN : (double) inTm / nTm,
                n == 0 ? Double.NaN : sumStd / n, nTm == 0 ? Double.NaN : sumStdTm / nTm);
    }
}
