package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The shipped Grafana dashboard (docs/grafana/persite-dashboard.json) asks only for metrics a real server exposes: every
 * metric name in every panel's query is in the server's /metrics text (a histogram's _bucket lines included) after it
 * has predicted something, or is registered by {@link ServerMetrics} for what this server has not done
 * (training, cluster mode: a labelled metric shows no line before its first sample).
 */
class GrafanaDashboardTest {
    private static final Pattern METRIC = Pattern.compile("\\b((?:persite|process|jvm)_[a-z0-9_]+)\\b");

    @Test
    void everyPanelQueriesMetricsTheServerExposes() throws Exception {
        JsonNode dash = new ObjectMapper().readTree(Path.of("docs/grafana/persite-dashboard.json").toFile());
        Set<String> asked = new TreeSet<>();
        for (JsonNode panel : dash.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                Matcher m = METRIC.matcher(target.path("expr").asText());
                while (m.find()) {
                    asked.add(m.group(1));
                }
            }
        }
        assertTrue(asked.size() >= 15, asked.toString());
        try (TestServer ts = TestServer.start(Map.of())) {
            ts.client.predict(TestServer.jsonl("g", TestServer.sampleLines().get(0))).toCompletableFuture().get(60, TimeUnit.SECONDS);
            Set<String> exposed = new TreeSet<>();
            for (String line : ts.metrics().lines().toList()) {
                Matcher m = line.startsWith("# TYPE ") || line.startsWith("# HELP ") ? METRIC.matcher(line.substring(7)) : METRIC.matcher(line);
                if (m.lookingAt() || m.find()) {
                    exposed.add(m.group(1));
                }
            }
            try (ServerMetrics registered = new ServerMetrics()) {
                for (io.prometheus.metrics.model.snapshots.MetricSnapshot snap : registered.registry().scrape()) {
                    String name = snap.getMetadata().getPrometheusName();
                    if (snap instanceof io.prometheus.metrics.model.snapshots.CounterSnapshot) {
                        exposed.add(name + "_total");
                    } else if (snap instanceof io.prometheus.metrics.model.snapshots.HistogramSnapshot) {
                        exposed.addAll(java.util.List.of(name + "_bucket", name + "_count", name + "_sum"));
                    } else {
                        exposed.add(name);
                    }
                }
            }
            Set<String> missing = new TreeSet<>(asked);
            missing.removeAll(exposed);
            assertTrue(missing.isEmpty(), "the dashboard asks for metrics the server does not expose: " + missing + "\nexposed: " + exposed);
        }
    }
}
