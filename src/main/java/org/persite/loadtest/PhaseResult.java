package org.persite.loadtest;

import java.util.Map;

/**
 * What one load phase measured.
 *
 * @param mode unary-closed, unary-open, stream-open, stream-count or mix
 * @param offered the offered load: requests/s for open loops, concurrency for a closed loop, structures for a count
 * @param sent requests sent
 * @param ok requests answered OK
 * @param atoms atoms (sites) predicted
 * @param structuresPerSecond OK structures per second of the phase
 * @param atomsPerSecond predicted atoms per second of the phase
 * @param latencyMs OK latency percentiles in ms: p50, p90, p99, p99.9, max (open loops: from the intended send
 *     time, so a stalled server cannot hide its queue)
 * @param errorLatencyMs the same for answers that were errors (for example RESOURCE_EXHAUSTED), or zeros
 * @param errors answers by gRPC status code other than OK, and client-side drops as "CLIENT_BACKLOG"
 * @param rssMiB the server's resident memory (process_resident_memory_bytes) at the start, maximum and end
 * @param meanStageMs mean per OK answer, from the server's own timings: parse, graph, queue, inference, server
 *     total, and the rest of the client's latency (transport, marshalling, client and server dispatch)
 * @param serverLatencyMs percentiles of the server's own total time per OK answer (arrival to response)
 * @param errorFromSendMs open-loop unary errors timed from when each call actually left the client (zeros elsewhere)
 */
record PhaseResult(String name, String mode, double offered, double seconds, long sent, long ok, long atoms,
        double structuresPerSecond, double atomsPerSecond, double[] latencyMs, double[] errorLatencyMs, Map<String, Long> errors,
        double[] rssMiB, double[] meanStageMs, double[] serverLatencyMs, double[] errorFromSendMs) {
}
