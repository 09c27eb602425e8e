package org.persite.server;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import org.persite.inference.Batcher;

/**
 * The server's Prometheus metrics, in a registry of its own (so two servers in one JVM never mix), and the
 * HTTP endpoint that serves them. Names follow the Prometheus conventions (base units, _total counters).
 */
public final class ServerMetrics implements AutoCloseable {
    private static final double[] SECONDS_BUCKETS = {
        50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 500e-3, 1, 2.5, 5, 10};

    private final PrometheusRegistry registry = new PrometheusRegistry();

    /**
     * Calls and stream items answered, by RPC, gRPC status code name and model ("" when the call names none that is
     * served, or is not about a model). The labels are persite's own (rpc, code), not the grpc-ecosystem's
     * (grpc_service, grpc_method, grpc_code): this counts stream items, not calls, and the OIP's REST infer too, so it
     * is not the grpc_server_handled_total those names promise.
     */
    final Counter requests = Counter.builder().name("persite_requests_total")
            .help("Unary calls and PredictStream items answered, by RPC, gRPC status code and model").labelNames("rpc", "code", "model").register(registry);
    /** Structures predicted, by model. */
    final Counter structures = Counter.builder().name("persite_structures_predicted_total")
            .help("Structures predicted").labelNames("model").register(registry);
    /** Atoms (sites) predicted, by model. */
    final Counter atoms = Counter.builder().name("persite_atoms_predicted_total")
            .help("Atoms (sites) predicted").labelNames("model").register(registry);
    /** Structures refused, by reason (error kind or batcher reason). */
    final Counter refused = Counter.builder().name("persite_structures_refused_total")
            .help("Structures not predicted, by reason").labelNames("reason").register(registry);
    /** Waits of a stream's structure for room in a full inference queue (PredictionPipeline.WhenFull.WAIT). */
    final Counter queueWaits = Counter.builder().name("persite_queue_waits_total")
            .help("Times a streamed structure found the inference queue full and waited 1-20 ms for room instead of being refused").register(registry);
    final Counter outOfDomain = Counter.builder().name("persite_structures_out_of_domain_total")
            .help("Structures predicted but flagged out of the model's domain of applicability, by model").labelNames("model").register(registry);
    /** Per-structure latency of each pipeline stage. */
    final Histogram stageSeconds = Histogram.builder().name("persite_stage_duration_seconds")
            .help("Time per structure in each pipeline stage (parse, graph, queue, inference, total), by model").unit(Unit.SECONDS)
            .labelNames("stage", "model").classicOnly().classicUpperBounds(SECONDS_BUCKETS).register(registry);
    /**
     * CPU time spent in each stage, from the working thread's own CPU clock: parse and graph (the parse dispatcher),
     * inference (packing a batch and the ONNX Runtime call, whose intra-op threads are this thread when
     * persite.inference.intra-op-threads = 1) and respond (assembling the response). Against
     * process_cpu_seconds_total, what is left is transport, gRPC, actors, GC and the JIT.
     */
    final Counter stageCpu = Counter.builder().name("persite_stage_cpu_seconds_total")
            .help("CPU time per pipeline stage (parse, graph, inference, respond), from the working thread's CPU clock").unit(Unit.SECONDS)
            .labelNames("stage").register(registry);
    /** Real atoms per batch. */
    final Histogram batchAtoms = Histogram.builder().name("persite_batch_atoms")
            .help("Real (unpadded) atoms per inference batch").labelNames("model").classicOnly()
            .classicUpperBounds(8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384).register(registry);
    /** Real atoms / padded atoms per batch. */
    final Histogram paddingEfficiency = Histogram.builder().name("persite_batch_padding_efficiency")
            .help("Real atoms / padded atoms per inference batch (1 = no padding)").labelNames("model").classicOnly()
            .classicUpperBounds(0.1, 0.25, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0).register(registry);
    /** Atoms waiting in each model's batcher. */
    final Gauge queueAtoms = Gauge.builder().name("persite_queue_atoms")
            .help("Atoms waiting in the batcher queue").labelNames("model").register(registry);
    /** The version each model serves. */
    final Gauge activeVersion = Gauge.builder().name("persite_model_active_version")
            .help("The model version being served").labelNames("model").register(registry);
    /** The version, commit and sha256 of each model's served version: 1 for the one served, 0 for one retired. */
    final Gauge modelInfo = Gauge.builder().name("persite_model_info")
            .help("1 for the version each model serves (labels: model, version, sha256 of model.onnx)").labelNames("model", "version", "sha256")
            .register(registry);
    /** This build: persite's version and commit. */
    final Gauge buildInfo = Gauge.builder().name("persite_build_info")
            .help("Always 1; its labels say which build serves: version, git commit, ONNX Runtime and DJL versions")
            .labelNames("version", "commit", "onnxruntime", "djl").register(registry);
    /** Training jobs in the server, by outcome. */
    final Counter trainingJobs = Counter.builder().name("persite_training_jobs_total")
            .help("Training jobs the server ran to an end, by outcome: live (trained and activated), kept (trained, not activated), failed, "
                    + "cancelled").labelNames("outcome").register(registry);
    /** The epoch the running job has finished, by model. */
    final Gauge trainingEpoch = Gauge.builder().name("persite_training_epoch")
            .help("The last epoch a training job in this server finished, by model").labelNames("model").register(registry);
    /** The last validation MAE a job reported, by model, in the property's unit. */
    final Gauge trainingValidationMae = Gauge.builder().name("persite_training_validation_mae")
            .help("The validation MAE of the last epoch a training job finished, by model, in the property's unit").labelNames("model")
            .register(registry);
    /** Open PredictStream calls. */
    final Gauge activeStreams = Gauge.builder().name("persite_active_streams")
            .help("PredictStream calls open").register(registry);
    /** Structures inside the server (parsed or waiting), over all calls. */
    final Gauge inFlight = Gauge.builder().name("persite_in_flight_requests")
            .help("Requests being worked on (unary calls plus stream items)").register(registry);

    /** Cluster mode: members by status (up, joining, leaving, exiting, down, removed are not counted; unreachable apart). */
    final Gauge clusterMembers = Gauge.builder().name("persite_cluster_members")
            .help("Cluster members this node sees, by status (up, joining, weakly_up, leaving, exiting, down, unreachable)").labelNames("status")
            .register(registry);
    /** Cluster mode: jobs of this front, by outcome. */
    final Counter clusterJobs = Counter.builder().name("persite_cluster_jobs_total")
            .help("Stream jobs this front dispatched, by outcome: answered, duplicate (a resent job's second result, dropped), timed_out, "
                    + "refused (queue full)").labelNames("outcome").register(registry);

    private HTTPServer http;

    /** Sets the number of cluster members seen with {@code status}. */
    public void clusterMembers(String status, int count) {
        clusterMembers.labelValues(status).set(count);
    }

    /** Counts one job of this front with its outcome. */
    public void clusterJob(String outcome) {
        clusterJobs.labelValues(outcome).inc();
    }

    public ServerMetrics() {
        JvmMetrics.builder().register(registry); // process_resident_memory_bytes, heap, GC, threads
        org.persite.config.BuildInfo b = org.persite.config.BuildInfo.current();
        buildInfo.labelValues(b.version(), b.commitLabel(), b.onnxRuntime(), b.djl()).set(1);
    }

    /** A model version went live ({@code live}) or stopped being served. */
    void modelServed(String model, int version, String sha256, boolean live) {
        modelInfo.labelValues(model, Integer.toString(version), sha256).set(live ? 1 : 0);
    }

    /** A training job's epoch ended. */
    public void trainingEpoch(String model, int epoch, double validationMae) {
        trainingEpoch.labelValues(model).set(epoch);
        trainingValidationMae.labelValues(model).set(validationMae);
    }

    /** A training job ended: live, kept, failed or cancelled. */
    public void trainingJob(String outcome) {
        trainingJobs.labelValues(outcome).inc();
    }

    /**
     * Serves GET /metrics (and the exporter's /-/healthy) on host:port (port 0 picks one); returns the bound port. Every
     * other path is 404: a Kubernetes probe pointed at /healthz or /v2/health/ready must not read the metrics page as
     * "healthy".
     */
    public int serve(String host, int port) throws IOException {
        http = HTTPServer.builder().hostname(host).port(port).registry(registry).metricsHandlerPath("/metrics").defaultHandler(exchange -> {
            byte[] body = ("not found: " + exchange.getRequestURI().getPath() + "; the metrics are at /metrics\n").getBytes(
                    java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(404, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        }).buildAndStart();
        return http.getPort();
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** A batcher listener that records batches, queue depth and refusals for one model. */
    /** A prediction request started ({@code +1}) or was answered ({@code -1}). */
    public void inFlight(int delta) {
        inFlight.inc(delta);
    }

    /** A PredictStream call opened ({@code +1}) or ended ({@code -1}). */
    public void activeStreams(int delta) {
        activeStreams.inc(delta);
    }

    /** One call or stream item answered, by RPC, gRPC code and model ("" for none). */
    public void answered(String rpc, String code, String model) {
        requests.labelValues(rpc, code, model == null ? "" : model).inc();
    }

    Batcher.Listener batcherListener(String model) {
        return new Batcher.Listener() {
            @Override
            public void batchCpu(long cpuNanos) {
                stageCpu.labelValues("inference").inc(cpuNanos / 1e9);
            }

            @Override
            public void batchDone(int n, int realAtoms, int paddedAtoms, long computeNanos) {
                batchAtoms.labelValues(model).observe(realAtoms);
                paddingEfficiency.labelValues(model).observe(paddedAtoms == 0 ? 1.0 : (double) realAtoms / paddedAtoms);
            }

            @Override
            public void queueDepth(long atomsWaiting) {
                queueAtoms.labelValues(model).set(atomsWaiting);
            }
        };
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
    }
}
