package org.persite.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.persite.api.v1.PerSiteClient;
import org.persite.api.v1.PredictRequest;
import org.persite.api.v1.StructureText;

/** A real persite server on free ports (gRPC and metrics), with the shipped models unless told otherwise. */
final class TestServer implements AutoCloseable {
    final PersiteServer server;
    final ActorSystem<Void> clientSystem;
    final PerSiteClient client;

    private TestServer(PersiteServer server, boolean withClient) {
        this.server = server;
        this.clientSystem = ActorSystem.create(Behaviors.empty(), "test-client");
        this.client = withClient ? PerSiteClient.create(GrpcClientSettings.connectToServiceAt("127.0.0.1", server.port(), clientSystem).withTls(false),
                clientSystem) : null;
    }

    /** Starts a server; {@code overrides} are config paths (for example persite.server.max-in-flight-per-stream). */
    static TestServer start(Map<String, Object> overrides) throws Exception {
        return new TestServer(PersiteServer.start(config(overrides)), true);
    }

    /** The Admin API token of {@link #startOnMagmom2}. */
    static final String ADMIN_TOKEN = "test-admin-token-0123";
    /** The authorization header value for {@link #ADMIN_TOKEN}. */
    static final String BEARER = "Bearer " + ADMIN_TOKEN;

    /**
     * Starts a server on {@code models}, into which the repository's magmom v2 is copied first, with the Admin API token
     * {@link #ADMIN_TOKEN}; {@code more} are further config overrides.
     */
    static TestServer startOnMagmom2(Path models, Map<String, Object> more) throws Exception {
        HotSwapTest.copy(Path.of("models/magmom/2"), models.resolve("magmom/2"));
        Map<String, Object> all = new HashMap<>(Map.of("persite.models.directory", models.toString(), "persite.server.admin-token", ADMIN_TOKEN));
        all.putAll(more);
        return start(all);
    }

    /** A plaintext Admin API client of this server (the caller closes it). */
    org.persite.api.v1.AdminClient adminClient() {
        return org.persite.api.v1.AdminClient.create(GrpcClientSettings.connectToServiceAt("127.0.0.1", server.port(), clientSystem).withTls(false),
                clientSystem);
    }

    /** A server for clients of the test's own (a TLS port, for example). */
    static TestServer startWithoutClient(Map<String, Object> overrides) throws Exception {
        return new TestServer(PersiteServer.start(config(overrides)), false);
    }

    private static Config config(Map<String, Object> overrides) {
        Map<String, Object> all = new HashMap<>();
        all.put("persite.server.port", 0);
        all.put("persite.server.metrics.port", 0);
        all.put("persite.server.http.port", 0);
        all.put("persite.inference.warm-up", "off");
        all.put("persite.models.directory", "models");
        all.putAll(overrides);
        return ConfigFactory.parseMap(all).withFallback(ConfigFactory.load());
    }

    int port() {
        return server.port();
    }

    /** The Prometheus text exposition of the server's metrics endpoint. */
    String metrics() throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    /** The value of a sample line of {@link #metrics()} ("name{labels}"), or 0 if absent. */
    double metric(String sample) throws IOException, InterruptedException {
        for (String line : metrics().lines().toList()) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).trim());
            }
        }
        return 0;
    }

    static PredictRequest text(String id, String name, String content) {
        return PredictRequest.newBuilder().setRequestId(id).setText(StructureText.newBuilder().setName(name).setContent(content)).build();
    }

    /** One JSON Lines record as a request. */
    static PredictRequest jsonl(String id, String line) {
        return PredictRequest.newBuilder().setRequestId(id).setText(StructureText.newBuilder().setFormat(org.persite.api.v1.Format.JSONL)
                .setContent(line)).build();
    }

    /** The JSON lines of the shipped magnetic-moment sample (500 real Materials Project structures). */
    static List<String> sampleLines() throws IOException {
        return Files.readAllLines(Path.of("data/mp_magmom_tmo/sample_500/sample_500.jsonl"), StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank()).toList();
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
        clientSystem.terminate();
        server.stop();
    }
}
