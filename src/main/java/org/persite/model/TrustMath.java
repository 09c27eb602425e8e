package org.persite.model;

/**
 * The trust head of {@link OnnxTrustHead} in plain Java and double precision, for one structure: the oracle
 * the graph is tested against, and what evaluations that start from raw network outputs apply.
 */
public final class TrustMath {
    private TrustMath() {
    }

    /**
     * The properties' constraints on one structure's values [n·P] (a new array): non-negative ones become
     * {@code max(y, 0)}; a conserved sum is corrected to {@code total}, spread by weight (uniform, or σ² + 1e-12
     * when the spec says "variance" and {@code std} [n·P] is given).
     */
    public static double[] constrain(ModelSpec spec, double[] values, double[] std, double total) {
        int p = spec.propertyCount();
        int n = values.length / p;
        double[] out = values.clone();
        for (int q = 0; q < p; q++) {
            if (spec.properties().get(q).constraint() == PropertySpec.Constraint.NON_NEGATIVE) {
                for (int i = 0; i < n; i++) {
                    out[i * p + q] = Math.max(out[i * p + q], 0);
                }
            }
        }
        int c = spec.conservedProperty();
        if (c >= 0 && n > 0) {
            boolean variance = spec.trust().sumWeights().equals("variance");
            if (variance && std == null) {
                throw new IllegalArgumentException("variance-weighted sums need σ");
            }
            double sum = 0;
            double wsum = 0;
            double[] w = new double[n];
            for (int i = 0; i < n; i++) {
                sum += out[i * p + c];
                w[i] = variance ? std[i * p + c] * std[i * p + c] + 1e-12 : 1;
                wsum += w[i];
            }
            double share = (sum - total) / wsum;
            for (int i = 0; i < n; i++) {
                out[i * p + c] -= w[i] * share;
            }
        }
        return out;
    }

    /** σ [n·P] recalibrated and capped as the graph does: {@code min(σ · scale[element, else its class], cap)}. */
    public static double[] calibrateStd(Trust.Uncertainty u, double[] std, int[] species, boolean[] transitionMetal) {
        int p = std.length / species.length;
        double[] out = new double[std.length];
        for (int i = 0; i < species.length; i++) {
            double s = u.scale(species[i], transitionMetal[species[i]]);
            for (int q = 0; q < p; q++) {
                out[i * p + q] = Math.min(std[i * p + q] * s, u.cap());
            }
        }
        return out;
    }

    /**
     * The domain score [n] of each site: the larger of its latent's score and its first-shell descriptor's
     * e [n][A + 2] ({@link SiteEnvironment}), as the graph computes it with an environment summary.
     */
    public static double[] domainScores(DomainSummary latentSummary, DomainSummary environmentSummary, double[][] latent, double[][] environment,
            int[] species) {
        double[] out = domainScores(latentSummary, latent, species);
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.max(out[i], environmentSummary.score(environment[i], species[i]));
        }
        return out;
    }

    /** The domain score [n] of each site from its latent h [n][H]. */
    public static double[] domainScores(DomainSummary d, double[][] latent, int[] species) {
        double[] out = new double[latent.length];
        for (int i = 0; i < latent.length; i++) {
            out[i] = d.score(latent[i], species[i]);
        }
        return out;
    }
}
