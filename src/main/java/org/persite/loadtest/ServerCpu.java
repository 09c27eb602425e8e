package org.persite.loadtest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the server's CPU went during a phase, from its own Prometheus counters: process_cpu_seconds_total (all of
 * the JVM), persite_stage_cpu_seconds_total{stage} (parse, graph, inference, respond) and
 * persite_atoms_predicted_total. Per atom predicted; "other" is the rest (transport, gRPC, actors, GC, the JIT).
 */
final class ServerCpu {
    static final String[] STAGES = {"parse", "graph", "inference", "respond"};

    /** The counters at one moment; NaN where the endpoint could not be read. */
    record Snapshot(double processSeconds, double atoms, Map<String, Double> stageSeconds) {
    }

    /**
     * One phase's CPU per atom predicted, in µs.
     *
     * @param stages µs per atom of each of {@link #STAGES}, then "other"
     */
    record Breakdown(double totalUsPerAtom, Map<String, Double> stages, double atoms) {
        String line() {
            StringBuilder b = new StringBuilder(String.format(java.util.Locale.ROOT, "    server CPU %.1f µs/atom:", totalUsPerAtom));
            stages.forEach((k, v) -> b.append(String.format(java.util.Locale.ROOT, " %s %.1f", k, v)));
            return b.toString();
        }
    }

    private final URI metrics;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    ServerCpu(URI metrics) {
        this.metrics = metrics;
    }

    Snapshot read() {
        double process = Double.NaN;
        double atoms = 0;
        Map<String, Double> stages = new LinkedHashMap<>();
        try {
            String body = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
            for (String line : body.split("\n")) {
                if (line.startsWith("process_cpu_seconds_total ")) {
                    process = value(line);
                } else if (line.startsWith("persite_atoms_predicted_total{")) {
                    atoms += value(line);
                } else if (line.startsWith("persite_stage_cpu_seconds_total{")) {
                    int a = line.indexOf("stage=\"") + 7;
                    stages.merge(line.substring(a, line.indexOf('"', a)), value(line), Double::sum);
                }
            }
        } catch (Exception e) {
            return new Snapshot(Double.NaN, Double.NaN, Map.of());
        }
        return new Snapshot(process, atoms, stages);
    }

    private static double value(String line) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).trim());
    }

    /** From {@code before} to {@code after}; null when nothing was predicted or a reading failed. */
    static Breakdown between(Snapshot before, Snapshot after) {
        double atoms = after.atoms() - before.atoms();
        double cpu = after.processSeconds() - before.processSeconds();
        if (!(atoms > 0) || Double.isNaN(cpu)) {
            return null;
        }
        Map<String, Double> stages = new LinkedHashMap<>();
        double staged = 0;
        for (String s : STAGES) {
            double v = after.stageSeconds().getOrDefault(s, 0.0) - before.stageSeconds().getOrDefault(s, 0.0);
            staged += v;
            stages.put(s, v * 1e6 / atoms);
        }
        stages.put("other", (cpu - staged) * 1e6 / atoms);
        return new Breakdown(cpu * 1e6 / atoms, stages, atoms);
    }
}
