package org.persite.model;

import java.util.Locale;

/**
 * Whether a structure lies inside a model's domain of applicability, from its sites' domain scores and the
 * card's {@link Trust.Domain}: out of domain when its score (the mean of its site scores) exceeds the card's
 * threshold, or when one of its elements had fewer than {@code minElementSites} training sites (never seen: 0).
 * The mean, not the largest site score: a large oxide cell always has a few unusual sites (the largest of 100
 * sites is above the training 99% quantile more often than not), while a metal is unusual at every site.
 *
 * @param score the structure's score, the mean of its site scores
 * @param outOfDomain the verdict
 * @param reason why it is out of domain ("" when it is not)
 */
public record DomainAssessment(double score, boolean outOfDomain, String reason) {

    /**
     * @param d the card's domain facts
     * @param siteScores [n] per site
     * @param elements [n] each site's element symbol
     * @param minElementSites the fewest training sites an element needs to count as seen
     */
    public static DomainAssessment of(Trust.Domain d, float[] siteScores, String[] elements, long minElementSites) {
        double sum = 0;
        double max = Double.NEGATIVE_INFINITY;
        int worst = 0;
        for (int i = 0; i < siteScores.length; i++) {
            sum += siteScores[i];
            if (!(siteScores[i] <= max)) { // NaN counts as the worst
                max = siteScores[i];
                worst = i;
            }
        }
        double mean = siteScores.length == 0 ? 0 : sum / siteScores.length;
        for (String e : new java.util.LinkedHashSet<>(java.util.Arrays.asList(elements))) {
            long seen = d.sites(e);
            if (seen < minElementSites) {
                return new DomainAssessment(mean, true, seen == 0 ? "element " + e + " is not in the training data"
                        : String.format(Locale.ROOT, "element %s has only %d training sites (fewer than %d)", e, seen, minElementSites));
            }
        }
        if (!(mean <= d.threshold())) {
            return new DomainAssessment(mean, true, String.format(Locale.ROOT, "its mean site domain score %.3g is above the threshold %.3g "
                    + "(highest: site %d, %s, %.3g)", mean, d.threshold(), worst, elements[worst], max));
        }
        return new DomainAssessment(mean, false, "");
    }
}
