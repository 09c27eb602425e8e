package org.persite.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.persite.model.DomainSummary;

/** The domain summary's linear algebra and statistics, on hand-made matrices and synthetic latents with known answers. */
class DomainFitterTest {

    @Test
    void jacobiFindsTheEigenpairsOfAKnownMatrix() {
        double[][] a = {{2, 1, 0}, {1, 2, 0}, {0, 0, 5}}; // eigenvalues 1, 3, 5
        double[][] v = new double[3][3];
        double[] values = DomainFitter.jacobiEigen(new double[][] {a[0].clone(), a[1].clone(), a[2].clone()}, v);
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        assertEquals(1, sorted[0], 1e-12);
        assertEquals(3, sorted[1], 1e-12);
        assertEquals(5, sorted[2], 1e-12);
        for (int k = 0; k < 3; k++) { // A v = λ v for every column
            for (int i = 0; i < 3; i++) {
                double av = 0;
                for (int j = 0; j < 3; j++) {
                    av += a[i][j] * v[j][k];
                }
                assertEquals(values[k] * v[i][k], av, 1e-12);
            }
        }
    }

    @Test
    void theInverseCholeskyFactorGivesTheMahalanobisDistance() {
        double[][] s = {{4, 2}, {2, 3}};                  // Σ⁻¹ = [[3, -2], [-2, 4]] / 8
        double[][] w = DomainFitter.inverseCholesky(s);
        double[] x = {1, 2};
        double u0 = w[0][0] * x[0] + w[0][1] * x[1];
        double u1 = w[1][0] * x[0] + w[1][1] * x[1];
        double want = (3 * 1 - 2 * 2 * 1 * 2 + 4 * 4) / 8.0; // xᵀ Σ⁻¹ x = (3 - 8 + 16) / 8
        assertEquals(want, u0 * u0 + u1 * u1, 1e-12);
    }

    /**
     * Two "elements" with latents from different Gaussians in 6 dimensions: each element's own training quantile
     * scores 1 (about 99% of its sites at or below 1), a site of element A placed where element B lives scores far
     * above 1, and the projection's columns are orthonormal.
     */
    @Test
    void scoresAreInUnitsOfEachElementsTrainingQuantile() {
        int h = 6;
        int n = 4000;
        Random rnd = new Random(5);
        float[] lat = new float[n * h];
        int[] species = new int[n];
        for (int s = 0; s < n; s++) {
            species[s] = s % 2 == 0 ? 8 : 26;
            double shift = species[s] == 8 ? 0 : 6;
            for (int i = 0; i < h; i++) {
                lat[s * h + i] = (float) (shift + (i + 1) * 0.5 * rnd.nextGaussian());
            }
        }
        DomainSummary d = DomainFitter.fit(new DomainFitter.Latents(h, lat, species), 4, 0.99, 30);
        for (int a = 0; a < 4; a++) {
            for (int b = 0; b < 4; b++) {
                double dot = 0;
                for (int i = 0; i < h; i++) {
                    dot += d.projection()[i * 4 + a] * d.projection()[i * 4 + b];
                }
                assertEquals(a == b ? 1 : 0, dot, 1e-5);
            }
        }
        int[] inside = new int[2];
        for (int s = 0; s < n; s++) {
            double[] x = new double[h];
            for (int i = 0; i < h; i++) {
                x[i] = lat[s * h + i];
            }
            if (d.score(x, species[s]) <= 1 + 1e-6) {
                inside[species[s] == 8 ? 0 : 1]++;
            }
        }
        assertEquals(0.99, inside[0] / (n / 2.0), 0.002);
        assertEquals(0.99, inside[1] / (n / 2.0), 0.002);
        double[] oxygenWhereIronLives = new double[h];
        Arrays.fill(oxygenWhereIronLives, 6);
        assertTrue(d.score(oxygenWhereIronLives, 8) > 1.5, "an O site among the Fe latents scores " + d.score(oxygenWhereIronLives, 8));
        double[] typicalOxygen = new double[h];
        assertTrue(d.score(typicalOxygen, 8) < 0.5, "the centre of the O latents scores " + d.score(typicalOxygen, 8));
    }
}
