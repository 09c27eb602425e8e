package org.persite.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The structure verdict worked by hand: mean threshold 1.0, lowest-site threshold 0.5, 20 training sites needed. */
class DomainAssessmentTest {
    private static final Map<String, Long> SEEN = Map.of("Fe", 500L, "O", 2000L, "Ni", 7L);
    private static final Trust.Domain CARD = new Trust.Domain("latent-mahalanobis-pca", 16, 0.99, 1.0, 0.99, 0.5, SEEN);
    private static final Trust.Domain OLD_CARD = new Trust.Domain("latent-mahalanobis-pca", 16, 0.99, 1.0, 0.99, Double.NaN, SEEN);

    private static DomainAssessment judge(Trust.Domain d, float[] scores, String... elements) {
        return DomainAssessment.of(d, scores, elements, 20);
    }

    @Test
    void anOxideWithOneOddSiteIsInside() {
        // mean (0.1 + 0.9 + 1.8) / 3 = 0.933 <= 1; lowest 0.1 <= 0.5
        DomainAssessment a = judge(CARD, new float[] {0.1f, 0.9f, 1.8f}, "O", "O", "Fe");
        assertFalse(a.outOfDomain(), a.toString());
        assertEquals(0.9333, a.score(), 1e-4);
        assertEquals("", a.reason());
    }

    @Test
    void aStructureUnusualAtEverySiteIsOutsideThoughItsMeanIsLow() {
        // mean 0.65 <= 1, but the lowest, 0.6 at site 1, is above 0.5
        DomainAssessment a = judge(CARD, new float[] {0.7f, 0.6f}, "Fe", "Fe");
        assertTrue(a.outOfDomain());
        assertEquals(0.65, a.score(), 1e-6);
        assertTrue(a.reason().startsWith("every site is unusual: its lowest site domain score 0.600 (site 1, Fe) is above the threshold 0.500"), a.reason());
        // a card from before the lowest-site threshold judges by the mean alone
        assertFalse(judge(OLD_CARD, new float[] {0.7f, 0.6f}, "Fe", "Fe").outOfDomain());
        assertFalse(OLD_CARD.hasLowestSiteThreshold());
    }

    @Test
    void aHighMeanIsOutsideAndNamesTheWorstSite() {
        // mean (0.1 + 3.0) / 2 = 1.55 > 1
        DomainAssessment a = judge(CARD, new float[] {0.1f, 3.0f}, "O", "Fe");
        assertTrue(a.outOfDomain());
        assertEquals("its mean site domain score 1.55 is above the threshold 1.00 (highest: site 1, Fe, 3.00)", a.reason());
        assertTrue(DomainAssessment.byScores(CARD, new float[] {0.1f, 3.0f}));
        assertFalse(DomainAssessment.byScores(CARD, new float[] {0.1f, 0.9f, 1.8f}));
    }

    @Test
    void rareOrUnseenElementsAndNaNScoresAreOutside() {
        assertEquals("element S is not in the training data", judge(CARD, new float[] {0.1f, 0.1f}, "Fe", "S").reason());
        assertEquals("element Ni has only 7 training sites (fewer than 20)", judge(CARD, new float[] {0.1f}, "Ni").reason());
        assertTrue(judge(CARD, new float[] {0.1f, Float.NaN}, "O", "Fe").outOfDomain());
        assertTrue(Double.isNaN(DomainAssessment.lowest(new float[] {0.2f, Float.NaN})));
    }

    @Test
    void aLowestSiteThresholdMustBePositiveAndFinite() {
        assertThrows(IllegalArgumentException.class, () -> new Trust.Domain("latent-mahalanobis-pca", 16, 0.99, 1.0, 0.99, 0, SEEN));
        assertThrows(IllegalArgumentException.class,
                () -> new Trust.Domain("latent-mahalanobis-pca", 16, 0.99, 1.0, 0.99, Double.POSITIVE_INFINITY, SEEN));
    }
}
