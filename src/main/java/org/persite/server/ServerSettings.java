package org.persite.server;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The server's knobs, from {@code persite.server} (documented in reference.conf).
 *
 * @param metricsPort the Prometheus endpoint's port; -1 when metrics are off
 * @param maxMessageBytes largest gRPC message accepted
 * @param maxInFlightPerStream a PredictStream's window, in requests
 * @param maxConcurrentStreams PredictStream calls open at once
 * @param maxInFlightUnary unary Predict calls worked on at once
 * @param stepTimeout the longest one pipeline step may take when the request has no deadline
 * @param shutdownDrain how long SIGTERM waits for calls in flight
 * @param adminToken the Admin API's bearer token; empty disables the Admin API
 * @param requireTokenForPredict whether the prediction API needs the token too
 * @param tls TLS for the gRPC port
 * @param streamIdleTimeout a PredictStream through which no response has passed for this long is ended (zero: never)
 * @param httpPort the Open Inference Protocol's REST port (0 picks one); -1 when it is off
 */
public record ServerSettings(String host, int port, String metricsHost, int metricsPort, long maxMessageBytes,
        int maxInFlightPerStream, int maxConcurrentStreams, int maxInFlightUnary,
        Duration stepTimeout, Duration shutdownDrain, String adminToken, boolean requireTokenForPredict, TlsSettings tls, Duration streamIdleTimeout,
        int httpPort) {

    /** The config path of the dispatcher that reads requests and builds their graphs (one step per request). */
    public static final String PARSE_DISPATCHER = "persite.server.parse-dispatcher";

    /** The shortest Admin token accepted: shorter ones are refused at start. */
    public static final int MIN_TOKEN_LENGTH = 16;

    public ServerSettings {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("persite.server.port must be in 0..65535, got " + port);
        }
        if (httpPort < -1 || httpPort > 65535) {
            throw new IllegalArgumentException("persite.server.http.port must be in 0..65535, got " + httpPort);
        }
        if (maxMessageBytes < 1024 || maxMessageBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("persite.server.max-message-bytes must be in 1KiB..2GiB, got " + maxMessageBytes);
        }
        if (maxInFlightPerStream < 1 || maxConcurrentStreams < 1 || maxInFlightUnary < 1) {
            throw new IllegalArgumentException("max-in-flight-per-stream, max-concurrent-streams and max-in-flight-unary must be >= 1");
        }
        if (!adminToken.isEmpty() && adminToken.length() < MIN_TOKEN_LENGTH) { // said without the token itself, which is never logged
            throw new IllegalArgumentException("persite.server.admin-token (PERSITE_ADMIN_TOKEN) has " + adminToken.length()
                    + " characters; it needs at least " + MIN_TOKEN_LENGTH + " (for example: openssl rand -hex 16)");
        }
        if (requireTokenForPredict && adminToken.isEmpty()) {
            throw new IllegalArgumentException("persite.server.require-token-for-predict needs persite.server.admin-token");
        }
    }

    /** From the {@code persite.server} section. */
    public static ServerSettings fromConfig(Config c) {
        for (String removed : new String[] {"parser-pool-size", "graph-pool-size", "graph-dispatcher"}) {
            if (c.hasPath(removed)) { // said, not silently ignored
                throw new IllegalArgumentException("persite.server." + removed + " was removed: reading a request and building its graphs are one "
                        + "step on persite.server.parse-dispatcher; size that with its thread-pool-executor (one thread per core by default)");
            }
        }
        return new ServerSettings(c.getString("host"), c.getInt("port"), c.getString("metrics.host"),
                c.getBoolean("metrics.enabled") ? c.getInt("metrics.port") : -1, c.getBytes("max-message-bytes"),
                c.getInt("max-in-flight-per-stream"), c.getInt("max-concurrent-streams"), c.getInt("max-in-flight-unary"),
                c.getDuration("step-timeout"),
                c.getDuration("shutdown-drain"), c.getString("admin-token"), c.getBoolean("require-token-for-predict"),
                new TlsSettings(c.getBoolean("tls.enabled"), c.getString("tls.certificate"), c.getString("tls.private-key")),
                c.getDuration("stream-idle-timeout"), c.getBoolean("http.enabled") ? c.getInt("http.port") : -1);
    }

}
