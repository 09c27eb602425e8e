package org.persite.inference;

/**
 * A whole batch's outputs, each kind in its own array as ONNX Runtime returned it (never interleaved): values
 * [Npad, P], standard deviations [Npad, P] (models with σ; else null), domain scores [Npad] (else null) and bounds
 * [Npad, 2P] (models with a one-sided interval; else null).
 * {@link #of} cuts one structure's share out with one copy per kind.
 */
public record BatchOutputs(int properties, float[] values, float[] std, float[] domain, float[] interval) {

    /** Structure {@code graph}'s outputs: its rows of each kind. */
    public SiteOutputs of(PaddedBatch batch, int graph) {
        int from = batch.offset(graph);
        int n = batch.size(graph);
        int p = properties;
        return new SiteOutputs(java.util.Arrays.copyOfRange(values, from * p, (from + n) * p),
                std == null ? null : java.util.Arrays.copyOfRange(std, from * p, (from + n) * p),
                domain == null ? null : java.util.Arrays.copyOfRange(domain, from, from + n),
                interval == null ? null : java.util.Arrays.copyOfRange(interval, from * 2 * p, (from + n) * 2 * p));
    }

    /** From an engine's interleaved rows [Npad, C] (see {@link SiteOutputs.Layout}). */
    static BatchOutputs fromRows(SiteOutputs.Layout layout, float[] rows) {
        SiteOutputs all = layout.split(rows);
        return new BatchOutputs(layout.properties(), all.values(), all.std(), all.domain(), all.interval());
    }
}
