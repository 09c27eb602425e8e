package org.persite.model;

import java.util.Map;
import java.util.Objects;

/**
 * The card's record of what makes a model's numbers trustworthy, beside its per-property constraints: how its
 * domain-of-applicability score was fitted and what counts as out of domain, how its ensemble σ was
 * recalibrated and capped, and how a conserved sum is spread over the sites. The arrays behind the domain
 * score live in the ONNX graph ({@link OnnxTrustHead}); the card holds what a reader needs to interpret them.
 *
 * @param domain the domain score's facts, or null when the graph has no {@link ModelIo#DOMAIN_SCORE} output
 * @param uncertainty σ's recalibration and cap, or null (a single model, or an ensemble as its members give it)
 * @param sumWeights how a conserved-sum correction is spread: "uniform", or "variance" (weights σ²; ensembles only)
 * @param residualStd a single model's σ from its validation errors, or null (single models without σ); on an ensemble
 *     (with {@code uncertainty}) only its one-sided interval is served, which it must then have: the ensemble's σ stays
 *     its members' spread, and the residual σ is kept on the card as a figure
 */
public record Trust(Domain domain, Uncertainty uncertainty, String sumWeights, ResidualStd residualStd) {

    /** No domain score, σ as the ensemble gives it, uniform sum correction. */
    public static final Trust NONE = new Trust(null, null, "uniform");

    public Trust {
        Objects.requireNonNull(sumWeights, "sumWeights");
        if (!sumWeights.equals("uniform") && !sumWeights.equals("variance")) {
            throw new IllegalArgumentException("sum weights must be 'uniform' or 'variance', got '" + sumWeights + "'");
        }
        if (residualStd != null && uncertainty != null && residualStd.interval() == null) {
            throw new IllegalArgumentException("an ensemble's σ is its members' spread: its fit on validation residuals serves only a one-sided "
                    + "interval, and this one has none");
        }
        if (residualStd != null && uncertainty == null && sumWeights.equals("variance")) {
            throw new IllegalArgumentException("variance-weighted sums need an ensemble's σ, not a σ from validation residuals");
        }
    }

    /** Without a σ from validation residuals (ensembles, and single models without σ). */
    public Trust(Domain domain, Uncertainty uncertainty, String sumWeights) {
        this(domain, uncertainty, sumWeights, null);
    }

    /** The same trust with this σ from validation residuals. */
    public Trust withResidualStd(ResidualStd r) {
        return new Trust(domain, uncertainty, sumWeights, r);
    }

    /**
     * A single model's σ from its own validation errors (split conformal, by group): the validation sites are grouped by
     * element and by the bin their prediction falls in, and a group's σ is the 90% quantile of its |errors| over 1.645, so
     * that ±1.645σ holds 90% of the group's validation errors. The element's sites in groups with fewer than
     * {@code minSites} sites share one σ, and an element with fewer takes its class's (transition metals or not); see
     * {@code ResidualStdFitter} for what those are fitted on. The graph gathers σ
     * from a [Z + 1, B] table by species and bin: it costs nothing beside the network, and where the data disagree with
     * themselves (the spin states of Fe or Co predicted between two moments) σ is wide.
     *
     * @param edges the B - 1 inner bin edges on the predicted value, ascending (bin b holds edges[b - 1] ≤ y &lt; edges[b])
     * @param elementBins per element symbol, its B σ values (fallbacks filled in); elements absent take their class's
     * @param classTransitionMetals σ of a transition-metal site of an element absent from {@code elementBins}
     * @param classOther σ of any other site of an element absent from {@code elementBins}
     * @param minSites the validation sites a group needs for its own σ
     * @param interval the same groups' one-sided interval, or null (cards before it)
     */
    public record ResidualStd(double[] edges, Map<String, double[]> elementBins, double classTransitionMetals, double classOther, int minSites,
            Interval interval) {
        /** Without a one-sided interval. */
        public ResidualStd(double[] edges, Map<String, double[]> elementBins, double classTransitionMetals, double classOther, int minSites) {
            this(edges, elementBins, classTransitionMetals, classOther, minSites, null);
        }

        public ResidualStd {
            edges = edges.clone();
            for (int b = 0; b < edges.length; b++) {
                if (!Double.isFinite(edges[b]) || (b > 0 && !(edges[b] > edges[b - 1]))) {
                    throw new IllegalArgumentException("σ bin edges must be finite and ascending, got " + java.util.Arrays.toString(edges));
                }
            }
            Map<String, double[]> copy = new java.util.TreeMap<>();
            for (Map.Entry<String, double[]> e : elementBins.entrySet()) {
                if (org.persite.structure.Elements.atomicNumber(e.getKey()) < 1 || e.getValue().length != edges.length + 1) {
                    throw new IllegalArgumentException("σ by bin for '" + e.getKey() + "' needs an element symbol and " + (edges.length + 1) + " values");
                }
                for (double v : e.getValue()) {
                    requirePositive(v, "σ of " + e.getKey());
                }
                copy.put(e.getKey(), e.getValue().clone());
            }
            elementBins = java.util.Collections.unmodifiableMap(copy);
            requirePositive(classTransitionMetals, "the transition metals' σ");
            requirePositive(classOther, "the other sites' σ");
            if (minSites < 1) {
                throw new IllegalArgumentException("a σ group needs at least 1 site, got " + minSites);
            }
            int width = edges.length + 1;
            if (interval != null && (!interval.lower().keySet().equals(elementBins.keySet())
                    || interval.lower().values().stream().anyMatch(v -> v.length != width))) {
                throw new IllegalArgumentException("the interval needs the σ's elements, each with " + width + " bounds a side");
            }
        }

        /** The interval of a site of atomic number z ≥ 1 predicted at y: {y + lower, y + upper} of its group (not cut at 0). */
        public double[] interval(int z, boolean transitionMetal, double y) {
            double[] o = intervalOffsets(z, transitionMetal, bin(y));
            return new double[] {y + o[0], y + o[1]};
        }

        /** {lower, upper} offsets of a site of atomic number z ≥ 1 in bin b: its element's, else its class's. */
        public double[] intervalOffsets(int z, boolean transitionMetal, int b) {
            String symbol = org.persite.structure.Elements.symbol(z);
            double[] lo = interval.lower().get(symbol);
            if (lo != null) {
                return new double[] {lo[b], interval.upper().get(symbol)[b]};
            }
            return transitionMetal ? interval.classTransitionMetals() : interval.classOther();
        }

        private static void requirePositive(double v, String what) {
            if (!(v > 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException(what + " must be positive and finite, got " + v);
            }
        }

        /** B, the bins on the predicted value. */
        public int bins() {
            return edges.length + 1;
        }

        /** The bin of a predicted value: the inner edges at or below it. */
        public int bin(double y) {
            return bin(edges, y);
        }

        /** The bin of y among ascending inner edges, compared in float32 as the graph compares them. */
        public static int bin(double[] edges, double y) {
            int b = 0;
            while (b < edges.length && (float) y >= (float) edges[b]) {
                b++;
            }
            return b;
        }

        /** σ of a site of atomic number z ≥ 1 predicted at y. */
        public double std(int z, boolean transitionMetal, double y) {
            return stdInBin(z, transitionMetal, bin(y));
        }

        /** σ of a site of atomic number z ≥ 1 whose prediction is in bin b: its element's, else its class's. */
        public double stdInBin(int z, boolean transitionMetal, int b) {
            double[] own = elementBins.get(org.persite.structure.Elements.symbol(z));
            return own != null ? own[b] : transitionMetal ? classTransitionMetals : classOther;
        }

        @Override
        public double[] edges() {
            return edges.clone();
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof ResidualStd r) || !java.util.Arrays.equals(edges, r.edges) || classTransitionMetals != r.classTransitionMetals
                    || classOther != r.classOther || minSites != r.minSites || !elementBins.keySet().equals(r.elementBins.keySet())) {
                return false;
            }
            return elementBins.entrySet().stream().allMatch(e -> java.util.Arrays.equals(e.getValue(), r.elementBins.get(e.getKey())))
                    && java.util.Objects.equals(interval, r.interval);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(edges) * 31 + elementBins.keySet().hashCode();
        }
    }

    /**
     * A single model's one-sided interval, in the groups of its {@link ResidualStd}: per group the {@code tail} and
     * {@code 1 - tail} quantiles of the signed validation errors (label - prediction), added to the prediction. Where the
     * errors are one-sided (a magnetic moment predicted in low spin is right or several μB too low) it is, where they are
     * not it is about ± 1.645σ.
     *
     * @param tail each tail's share of the validation errors outside, for example 0.04
     * @param lower per element of the σ, its B lower offsets (≤ its upper ones)
     * @param upper per element, its B upper offsets
     * @param classTransitionMetals {lower, upper} of a transition-metal site of an element without its own
     * @param classOther {lower, upper} of any other site of an element without its own
     */
    public record Interval(double tail, Map<String, double[]> lower, Map<String, double[]> upper, double[] classTransitionMetals, double[] classOther) {
        public Interval {
            if (!(tail > 0 && tail < 0.5)) {
                throw new IllegalArgumentException("an interval's tail must lie in (0, 0.5), got " + tail);
            }
            if (!lower.keySet().equals(upper.keySet())) {
                throw new IllegalArgumentException("the interval's lower and upper bounds name other elements: " + lower.keySet() + " / " + upper.keySet());
            }
            Map<String, double[]> lo = new java.util.TreeMap<>();
            Map<String, double[]> hi = new java.util.TreeMap<>();
            for (Map.Entry<String, double[]> e : lower.entrySet()) {
                double[] u = upper.get(e.getKey());
                if (u.length != e.getValue().length) {
                    throw new IllegalArgumentException("the interval of '" + e.getKey() + "' has " + e.getValue().length + " lower and " + u.length
                            + " upper bounds");
                }
                for (int b = 0; b < u.length; b++) {
                    requireOrdered(e.getValue()[b], u[b], "the interval of " + e.getKey() + ", bin " + b);
                }
                lo.put(e.getKey(), e.getValue().clone());
                hi.put(e.getKey(), u.clone());
            }
            lower = java.util.Collections.unmodifiableMap(lo);
            upper = java.util.Collections.unmodifiableMap(hi);
            requireOrdered(classTransitionMetals[0], classTransitionMetals[1], "the transition metals' interval");
            requireOrdered(classOther[0], classOther[1], "the other sites' interval");
            classTransitionMetals = classTransitionMetals.clone();
            classOther = classOther.clone();
        }

        private static void requireOrdered(double lo, double hi, String what) {
            if (!Double.isFinite(lo) || !Double.isFinite(hi) || lo > hi) {
                throw new IllegalArgumentException(what + " must be finite with lower ≤ upper, got " + lo + " and " + hi);
            }
        }

        @Override
        public double[] classTransitionMetals() {
            return classTransitionMetals.clone();
        }

        @Override
        public double[] classOther() {
            return classOther.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Interval r && tail == r.tail && java.util.Arrays.equals(classTransitionMetals, r.classTransitionMetals)
                    && java.util.Arrays.equals(classOther, r.classOther) && lower.keySet().equals(r.lower.keySet())
                    && lower.entrySet().stream().allMatch(e -> java.util.Arrays.equals(e.getValue(), r.lower.get(e.getKey()))
                            && java.util.Arrays.equals(upper.get(e.getKey()), r.upper.get(e.getKey())));
        }

        @Override
        public int hashCode() {
            return Double.hashCode(tail) * 31 + lower.keySet().hashCode();
        }
    }

    /**
     * The domain-of-applicability score: a site's last hidden layer h [H] is compared with the training sites of
     * the same element, as a Mahalanobis distance in the training latents' top principal components plus the
     * part of h outside them, divided by the {@code siteQuantile}-quantile of that distance over the element's
     * training sites (so 1.0 is as far out as the farthest 1 - siteQuantile of training sites; elements with few
     * training sites use all sites' quantile). With {@code environmentComponents > 0} a site's score is the larger of
     * that and the same distance, on its own summary, of the site's first-shell descriptor ({@link SiteEnvironment}):
     * a site is unusual when what the network makes of it is, or when its neighbours are. A structure's score is the
     * mean of its site scores; it is also judged by its lowest site score (see {@link DomainAssessment}).
     *
     * @param method "latent-mahalanobis-pca", or "latent-and-environment-mahalanobis-pca" with the environment
     * @param components k, the principal components kept of the latent
     * @param siteQuantile the training quantile a score of 1 stands for, for example 0.99
     * @param threshold a structure whose score exceeds this is out of domain (fitted on the validation split)
     * @param thresholdQuantile the share of validation structures at or below {@code threshold}, and at or below
     *     {@code lowestSiteThreshold}
     * @param lowestSiteThreshold a structure whose lowest site score exceeds this is out of domain: it is unusual at
     *     every site (fitted on the validation split like {@code threshold}); NaN on cards written before it
     *     existed, which judge by the mean alone
     * @param elementSites training sites per element symbol (elements absent were never seen)
     * @param environmentComponents the principal components kept of the first-shell descriptor, or 0 when the score
     *     is the latent's alone (every card before it)
     */
    public record Domain(String method, int components, double siteQuantile, double threshold, double thresholdQuantile,
            double lowestSiteThreshold, Map<String, Long> elementSites, int environmentComponents) {
        /** The method of a score from the latent alone. */
        public static final String LATENT = "latent-mahalanobis-pca";
        /** The method of a score that is the larger of the latent's and the first-shell descriptor's. */
        public static final String LATENT_AND_ENVIRONMENT = "latent-and-environment-mahalanobis-pca";

        public Domain {
            elementSites = Map.copyOf(elementSites);
            if (environmentComponents < 0 || !method.equals(environmentComponents > 0 ? LATENT_AND_ENVIRONMENT : LATENT)) {
                throw new IllegalArgumentException("domain method '" + method + "' does not fit " + environmentComponents
                        + " environment components (" + LATENT + " has none, " + LATENT_AND_ENVIRONMENT + " some)");
            }
            if (!(threshold > 0) || Double.isInfinite(threshold)) {
                throw new IllegalArgumentException("the domain threshold must be positive and finite, got " + threshold);
            }
            if (!Double.isNaN(lowestSiteThreshold) && (!(lowestSiteThreshold > 0) || Double.isInfinite(lowestSiteThreshold))) {
                throw new IllegalArgumentException("the lowest-site domain threshold must be positive and finite (or absent), got " + lowestSiteThreshold);
            }
        }

        /** A score from the latent alone, as every card before the environment had. */
        public Domain(String method, int components, double siteQuantile, double threshold, double thresholdQuantile,
                double lowestSiteThreshold, Map<String, Long> elementSites) {
            this(method, components, siteQuantile, threshold, thresholdQuantile, lowestSiteThreshold, elementSites, 0);
        }

        /** Whether a site's score is also its first-shell descriptor's distance (the larger of the two). */
        public boolean hasEnvironment() {
            return environmentComponents > 0;
        }

        /** Whether the card has a lowest-site threshold (cards before it judge by the mean alone). */
        public boolean hasLowestSiteThreshold() {
            return !Double.isNaN(lowestSiteThreshold);
        }

        /** Training sites of an element (0 when never seen). */
        public long sites(String element) {
            return elementSites.getOrDefault(element, 0L);
        }
    }

    /**
     * An ensemble's σ after recalibration: the members' spread times a factor fitted on the validation split, then
     * capped at {@code cap}, the property's physical range on the training data (max - min); a capped σ is flagged.
     * The factor is the element's own where the validation split had enough of its sites ({@code elementScales},
     * by symbol), else its class's (transition metals and the others apart).
     *
     * @param elementScales per element symbol, the factor fitted on that element's validation sites alone (empty:
     *     class factors only, as cards before per-element factors have it)
     */
    public record Uncertainty(double scaleTransitionMetals, double scaleOther, double cap, Map<String, Double> elementScales) {
        public Uncertainty {
            if (!(scaleTransitionMetals > 0) || !(scaleOther > 0) || !(cap > 0) || Double.isInfinite(cap)) {
                throw new IllegalArgumentException("σ scales and cap must be positive and finite");
            }
            elementScales = Map.copyOf(Objects.requireNonNull(elementScales, "elementScales"));
            elementScales.forEach((element, scale) -> {
                if (org.persite.structure.Elements.atomicNumber(element) < 1) {
                    throw new IllegalArgumentException("a σ scale is given for '" + element + "', which is not an element symbol");
                }
                if (!(scale > 0) || Double.isInfinite(scale)) {
                    throw new IllegalArgumentException("the σ scale of " + element + " must be positive and finite, got " + scale);
                }
            });
        }

        /** Class factors only. */
        public Uncertainty(double scaleTransitionMetals, double scaleOther, double cap) {
            this(scaleTransitionMetals, scaleOther, cap, Map.of());
        }

        /** The factor of a site of this element: its own if fitted, else its class's. */
        public double scale(String element, boolean transitionMetal) {
            Double own = elementScales.get(element);
            return own != null ? own : transitionMetal ? scaleTransitionMetals : scaleOther;
        }

        /** The factor of a site of atomic number z ≥ 1: its element's own if fitted, else its class's. */
        public double scale(int z, boolean transitionMetal) {
            return scale(org.persite.structure.Elements.symbol(z), transitionMetal);
        }

        /** The same class factors and cap without per-element factors. */
        public Uncertainty classScalesOnly() {
            return new Uncertainty(scaleTransitionMetals, scaleOther, cap);
        }
    }
}
