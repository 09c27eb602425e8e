package org.persite.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Writes a load test's results: results.json, results.csv and PNG plots (XChart). */
final class Report {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final List<PhaseResult> phases = new ArrayList<>();
    private final Map<String, Object> summary = new LinkedHashMap<>();

    private final Map<String, ServerCpu.Breakdown> cpu = new LinkedHashMap<>();

    void add(PhaseResult p) {
        phases.add(p);
    }

    /** The server's CPU per atom during a phase (from its own counters). */
    void cpu(String phase, ServerCpu.Breakdown b) {
        cpu.put(phase, b);
    }

    void put(String key, Object value) {
        summary.put(key, value);
    }

    List<PhaseResult> phases() {
        return phases;
    }

    /** One line per phase for a terminal. */
    static String line(PhaseResult p) {
        return String.format(Locale.ROOT, "%-22s %-12s offered %8.0f  ok %8d  %7.0f structures/s  %8.0f atoms/s  p50 %7.2f  p90 %7.2f  p99 %7.2f"
                + "  p99.9 %7.2f  max %7.2f ms  errors %s  rss %.0f/%.0f/%.0f MiB%n    mean ms: parse %.3f graph %.3f queue %.3f inference %.3f"
                + " server %.3f, transport and the rest %.3f; server-side p50 %.2f p99 %.2f ms", p.name(), p.mode(), p.offered(), p.ok(),
                p.structuresPerSecond(), p.atomsPerSecond(), p.latencyMs()[0], p.latencyMs()[1], p.latencyMs()[2], p.latencyMs()[3],
                p.latencyMs()[4], p.errors(), p.rssMiB()[0], p.rssMiB()[1], p.rssMiB()[2], p.meanStageMs()[0], p.meanStageMs()[1],
                p.meanStageMs()[2], p.meanStageMs()[3], p.meanStageMs()[4], p.meanStageMs()[5], p.serverLatencyMs()[0], p.serverLatencyMs()[2]);
    }

    void write(Path dir, List<MemorySampler.Sample> screeningRss) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> doc = new LinkedHashMap<>(summary);
        doc.put("phases", phases);
        doc.put("server_cpu_us_per_atom", cpu);
        JSON.writeValue(dir.resolve("results.json").toFile(), doc);
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(dir.resolve("cpu-breakdown.csv"), StandardCharsets.UTF_8))) {
            csv.println("phase,atoms,total_us_per_atom," + String.join(",", ServerCpu.STAGES) + ",other");
            cpu.forEach((phase, b) -> csv.println(phase + "," + (long) b.atoms() + "," + String.format(Locale.ROOT, "%.2f", b.totalUsPerAtom()) + ","
                    + String.join(",", b.stages().values().stream().map(v -> String.format(Locale.ROOT, "%.2f", v)).toList())));
        }
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(dir.resolve("results.csv"), StandardCharsets.UTF_8))) {
            csv.println("name,mode,offered,seconds,sent,ok,atoms,structures_per_s,atoms_per_s,p50_ms,p90_ms,p99_ms,p999_ms,max_ms,"
                    + "error_p99_ms,errors,rss_start_mib,rss_max_mib,rss_end_mib,parse_ms,graph_ms,queue_ms,inference_ms,server_ms,transport_ms");
            for (PhaseResult p : phases) {
                csv.println(String.format(Locale.ROOT, "%s,%s,%.1f,%.2f,%d,%d,%d,%.1f,%.1f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,\"%s\",%.1f,%.1f,%.1f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f",
                        p.name(), p.mode(), p.offered(), p.seconds(), p.sent(), p.ok(), p.atoms(), p.structuresPerSecond(), p.atomsPerSecond(),
                        p.latencyMs()[0], p.latencyMs()[1], p.latencyMs()[2], p.latencyMs()[3], p.latencyMs()[4], p.errorLatencyMs()[2],
                        p.errors(), p.rssMiB()[0], p.rssMiB()[1], p.rssMiB()[2], p.meanStageMs()[0], p.meanStageMs()[1],
                        p.meanStageMs()[2], p.meanStageMs()[3], p.meanStageMs()[4], p.meanStageMs()[5]));
            }
        }
        List<PhaseResult> sweep = phases.stream().filter(p -> p.name().startsWith("sweep-")).toList();
        if (!sweep.isEmpty()) {
            XYChart c = new XYChartBuilder().width(900).height(560).title("persite: latency vs throughput (one PredictStream, open loop)")
                    .xAxisTitle("achieved atoms/s").yAxisTitle("latency (ms, log)").build();
            c.getStyler().setYAxisLogarithmic(true);
            double[] x = sweep.stream().mapToDouble(PhaseResult::atomsPerSecond).toArray();
            c.addSeries("p50", x, sweep.stream().mapToDouble(p -> Math.max(0.01, p.latencyMs()[0])).toArray()).setMarker(SeriesMarkers.CIRCLE);
            c.addSeries("p99", x, sweep.stream().mapToDouble(p -> Math.max(0.01, p.latencyMs()[2])).toArray()).setMarker(SeriesMarkers.DIAMOND);
            c.addSeries("p99.9", x, sweep.stream().mapToDouble(p -> Math.max(0.01, p.latencyMs()[3])).toArray()).setMarker(SeriesMarkers.SQUARE);
            BitmapEncoder.saveBitmap(c, dir.resolve("latency-throughput.png").toString(), BitmapEncoder.BitmapFormat.PNG);
        }
        if (screeningRss != null && screeningRss.size() > 1) {
            XYChart c = new XYChartBuilder().width(900).height(400).title("server resident memory during the screening stream")
                    .xAxisTitle("seconds").yAxisTitle("RSS (MiB)").build();
            c.addSeries("RSS", screeningRss.stream().mapToDouble(MemorySampler.Sample::seconds).toArray(),
                    screeningRss.stream().mapToDouble(MemorySampler.Sample::rssMiB).toArray()).setMarker(SeriesMarkers.NONE);
            BitmapEncoder.saveBitmap(c, dir.resolve("screening-rss.png").toString(), BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
