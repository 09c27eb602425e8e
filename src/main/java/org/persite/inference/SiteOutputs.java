package org.persite.inference;

/**
 * One structure's outputs from an engine, split by kind.
 *
 * @param values [n·P] row-major (site, property)
 * @param std [n·P], an ensemble's per-site standard deviation; null for a single model
 * @param domain [n], each site's domain-of-applicability score; null when the model has none
 */
public record SiteOutputs(float[] values, float[] std, float[] domain) {

    /**
     * How an engine lays its columns out per atom in {@link InferenceEngine#run}: P values, then P standard
     * deviations (ensembles), then one domain score (models with a domain summary).
     */
    public record Layout(int properties, boolean std, boolean domain) {
        /** Columns per atom. */
        public int width() {
            return properties * (std ? 2 : 1) + (domain ? 1 : 0);
        }

        /** Splits one structure's rows [n, width()] into its outputs. */
        public SiteOutputs split(float[] rows) {
            int w = width();
            int n = rows.length / w;
            int p = properties;
            if (w == p) {
                return new SiteOutputs(rows, null, null);
            }
            float[] v = new float[n * p];
            float[] s = std ? new float[n * p] : null;
            float[] d = domain ? new float[n] : null;
            for (int i = 0; i < n; i++) {
                System.arraycopy(rows, i * w, v, i * p, p);
                if (std) {
                    System.arraycopy(rows, i * w + p, s, i * p, p);
                }
                if (domain) {
                    d[i] = rows[i * w + w - 1];
                }
            }
            return new SiteOutputs(v, s, d);
        }
    }
}
