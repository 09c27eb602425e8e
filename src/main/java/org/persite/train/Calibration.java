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

    /**
     * The factor s that makes z·s·σ cover the given fraction of the labelled sites' absolute errors: the
     * fraction-quantile of |error| / σ, divided by z (σ-scaling recalibration; fit it on the validation
     * split, judge it on the test split). A site with σ = 0 and a non-zero error counts as uncovered.
     *
     * @throws IllegalArgumentException when no labelled site has σ > 0
     */
    public static double scaleFor(List<SiteDataset.Example> examples, List<float[]> mean, List<float[]> std, double z, double fraction) {
        List<Double> ratios = new java.util.ArrayList<>();
        boolean anySpread = false;
        for (int k = 0; k < examples.size(); k++) {
            SiteDataset.Example ex = examples.get(k);
            for (int i = 0; i < ex.targets().length; i++) {
                float t = ex.targets()[i];
                if (Float.isNaN(t)) {
                    continue;
                }
                double err = Math.abs(mean.get(k)[i] - t);
                double s = std.get(k)[i];
                anySpread |= s > 0;
                ratios.add(s > 0 ? err / s : err == 0 ? 0 : Double.POSITIVE_INFINITY);
            }
        }
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
