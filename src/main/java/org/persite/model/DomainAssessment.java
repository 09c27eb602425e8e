package org.persite.model;

import java.util.Locale;

/**
 * Whether a structure lies inside a model's domain of applicability, from its sites' domain scores and the
 * card's {@link Trust.Domain}. It is out of domain when one of its elements had fewer than {@code minElementSites}
 * training sites (never seen: 0), or when
 * <ul>
 *   <li>its score, the mean of its site scores, exceeds the card's {@code threshold}: the structure as a whole is
 *       unusual; or</li>
 *   <li>its lowest site score exceeds the card's {@code lowestSiteThreshold}: every one of its sites is unusual
 *       (cards written before this threshold existed judge by the mean alone).</li>
 * </ul>
 * Both thresholds are the same quantile (0.99) of the validation structures' statistic. The mean, not the largest
 * site score: a large oxide cell always has a few unusual sites (the largest of 100 sites is above the training 99%
 * quantile more often than not), while a metal is unusual at every site. The lowest site score says the latter
 * directly: a single ordinary site (an oxygen of an oxide) keeps it low, and it does not depend on how a few
 * far-out sites pull the mean. With the mean alone, models trained from different seeds flagged 4 to 9 of the 9
 * out-of-domain probes of {@code data/probes}; with both, 7 to 9 (docs/benchmarks.md, issue 20).
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
        double mean = mean(siteScores);
        for (String e : new java.util.LinkedHashSet<>(java.util.Arrays.asList(elements))) {
            long seen = d.sites(e);
            if (seen < minElementSites) {
                return new DomainAssessment(mean, true, seen == 0 ? "element " + e + " is not in the training data"
                        : String.format(Locale.ROOT, "element %s has only %d training sites (fewer than %d)", e, seen, minElementSites));
            }
        }
        if (!(mean <= d.threshold())) {
            int worst = extreme(siteScores, true);
            return new DomainAssessment(mean, true, String.format(Locale.ROOT, "its mean site domain score %.3g is above the threshold %.3g "
                    + "(highest: site %d, %s, %.3g)", mean, d.threshold(), worst, elements[worst], siteScores[worst]));
        }
        if (d.hasLowestSiteThreshold() && siteScores.length > 0 && !(lowest(siteScores) <= d.lowestSiteThreshold())) {
            int best = extreme(siteScores, false);
            return new DomainAssessment(mean, true, String.format(Locale.ROOT, "every site is unusual: its lowest site domain score %.3g "
                    + "(site %d, %s) is above the threshold %.3g", siteScores[best], best, elements[best], d.lowestSiteThreshold()));
        }
        return new DomainAssessment(mean, false, "");
    }

    /** The verdict from the scores alone (no element check): the mean or the lowest site score above its threshold. */
    public static boolean byScores(Trust.Domain d, float[] siteScores) {
        return !(mean(siteScores) <= d.threshold())
                || d.hasLowestSiteThreshold() && siteScores.length > 0 && !(lowest(siteScores) <= d.lowestSiteThreshold());
    }

    /** The mean site score (0 for no sites; NaN when a score is NaN). */
    public static double mean(float[] siteScores) {
        double sum = 0;
        for (float s : siteScores) {
            sum += s;
        }
        return siteScores.length == 0 ? 0 : sum / siteScores.length;
    }

    /** The lowest site score (+∞ for no sites; NaN when a score is NaN, which counts as out of domain). */
    public static double lowest(float[] siteScores) {
        double low = Double.POSITIVE_INFINITY;
        for (float s : siteScores) {
            if (Float.isNaN(s)) {
                return Double.NaN;
            }
            low = Math.min(low, s);
        }
        return low;
    }

    /** The index of the highest site score (NaN counts as the highest), or of the lowest. */
    private static int extreme(float[] siteScores, boolean highest) {
        int at = 0;
        for (int i = 1; i < siteScores.length; i++) {
            boolean better = highest ? !(siteScores[i] <= siteScores[at]) && !Float.isNaN(siteScores[at]) : siteScores[i] < siteScores[at];
            if (better) {
                at = i;
            }
        }
        return at;
    }
}
