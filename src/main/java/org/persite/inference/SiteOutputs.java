package org.persite.inference;

/**
 * One structure's outputs from an engine, split by kind.
 *
 * @param values [n·P] row-major (site, property)
 * @param std [n·P], the per-site standard deviation (an ensemble's spread, or a single model's σ from its validation
 *     errors); null for a model without one
 * @param domain [n], each site's domain-of-applicability score; null when the model has none
 * @param interval [n·2] (one property), each site's lower and upper bound (its one-sided interval); null
 *     for a model without one
 */
public record SiteOutputs(float[] values, float[] std, float[] domain, float[] interval) {

    /** Without an interval. */
    public SiteOutputs(float[] values, float[] std, float[] domain) {
        this(values, std, domain, null);
    }

    /**
     * How an engine lays its columns out per atom in {@link InferenceEngine#run}: P values, then P standard
     * deviations (models with σ), then 2P bounds (lower, upper; models with an interval), then one domain score
     * (models with a domain summary).
     */
    public record Layout(int properties, boolean std, boolean domain, boolean interval) {
        /** Without an interval. */
        public Layout(int properties, boolean std, boolean domain) {
            this(properties, std, domain, false);
        }

        /** The first of an atom's 2P bound columns (after its values and σ). */
        public int intervalColumn() {
            return properties * (std ? 2 : 1);
        }

        /** Columns per atom. */
        public int width() {
            return properties * (1 + (std ? 1 : 0) + (interval ? 2 : 0)) + (domain ? 1 : 0);
        }

        /** Splits one structure's rows [n, width()] into its outputs. */
        public SiteOutputs split(float[] rows) {
            int w = width();
            int n = rows.length / w;
            int p = properties;
            if (w == p) {
                return new SiteOutputs(rows, null, null, null);
            }
            float[] v = new float[n * p];
            float[] s = std ? new float[n * p] : null;
            float[] b = interval ? new float[n * 2 * p] : null;
            float[] d = domain ? new float[n] : null;
            int boundsAt = intervalColumn();
            for (int i = 0; i < n; i++) {
                System.arraycopy(rows, i * w, v, i * p, p);
                if (std) {
                    System.arraycopy(rows, i * w + p, s, i * p, p);
                }
                if (interval) {
                    System.arraycopy(rows, i * w + boundsAt, b, i * 2 * p, 2 * p);
                }
                if (domain) {
                    d[i] = rows[i * w + w - 1];
                }
            }
            return new SiteOutputs(v, s, d, b);
        }
    }
}
