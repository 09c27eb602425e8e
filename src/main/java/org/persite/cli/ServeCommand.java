package org.persite.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.persite.server.PersiteServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code persite serve}: the gRPC server, until SIGTERM or Ctrl-C (a graceful drain). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        header = "Serve predictions over gRPC and the Open Inference Protocol (REST), with metrics.",
        description = {"Serve per-site predictions over gRPC (persite.v1.PerSite, grpc.health.v1.Health, server reflection),",
            "with every model under the models directory (the newest version of each) and Prometheus metrics on their own port.",
            "SIGTERM or Ctrl-C stops accepting calls, drains the calls in flight, then exits."})
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--port", description = "gRPC port (default: persite.server.port, 50051; env PERSITE_PORT). 0 picks a free port.")
    Integer port;

    @Option(names = "--host", description = "Address to bind (default: persite.server.host, 127.0.0.1; env PERSITE_HOST).")
    String host;

    @Option(names = "--metrics-port", description = "Prometheus port (default: persite.server.metrics.port, 9464; env PERSITE_METRICS_PORT).")
    Integer metricsPort;

    @Option(names = "--http-port", description = "Open Inference Protocol (KServe v2) REST port (default: persite.server.http.port, 8000; "
            + "env PERSITE_HTTP_PORT). 0 picks a free port; -1 turns it off.")
    Integer httpPort;

    @Option(names = "--models", paramLabel = "DIR", description = "Models directory (default: persite.models.directory, models/).")
    Path models;

    @Option(names = "--default-model", paramLabel = "NAME", description = "Model for requests that name none (default: persite.models.default, magmom).")
    String defaultModel;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> overrides = new HashMap<>();
        if (port != null) {
            overrides.put("persite.server.port", port);
        }
        if (host != null) {
            overrides.put("persite.server.host", host);
        }
        if (metricsPort != null) {
            overrides.put("persite.server.metrics.port", metricsPort);
        }
        if (httpPort != null) {
            if (httpPort < 0) {
                overrides.put("persite.server.http.enabled", false);
            } else {
                overrides.put("persite.server.http.port", httpPort);
            }
        }
        if (models != null) {
            overrides.put("persite.models.directory", models.toString());
        }
        if (defaultModel != null) {
            overrides.put("persite.models.default", defaultModel);
        }
        Config config = ConfigFactory.parseMap(overrides).withFallback(ConfigFactory.load());
        PersiteServer server;
        try {
            server = PersiteServer.start(config, new org.persite.cluster.ClusterNode());
        } catch (Exception e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("error: " + e.getMessage());
            err.flush();
            return 1;
        }
        SignalShutdown.onStop(server::stop);
        server.system().getWhenTerminated().toCompletableFuture().join();
        return 0;
    }
}
