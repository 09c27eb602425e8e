package org.persite.server;

import org.persite.server.grpc.AdminService;
import org.persite.server.grpc.GrpcEndpoints;
import org.persite.server.grpc.HealthService;
import org.persite.server.grpc.PerSiteService;
import org.persite.server.grpc.TokenGuard;
import com.typesafe.config.Config;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.japi.function.Function;
import org.persite.api.health.Health;
import org.persite.api.v1.Admin;
import org.persite.api.v1.PerSite;
import org.persite.config.PersiteConfig;
import org.persite.graph.CellListOverlapFinder;
import org.persite.graph.ElementTable;
import org.persite.inference.BatcherSettings;
import org.persite.inference.EngineSettings;
import org.persite.model.ModelLoadException;
import org.persite.structure.StructureLimits;
import org.persite.structure.StructureReader;
import org.persite.structure.StructureValidator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persite gRPC server: an actor system with the parser pool, the graph-builder pool and one batcher per
 * served model, behind {@code persite.v1.PerSite}, {@code grpc.health.v1.Health} and server reflection on one
 * HTTP/2 port, plus the Prometheus endpoint on its own port.
 *
 * <p>Shutdown (SIGTERM, or {@link #stop()}) is Pekko's coordinated shutdown: health turns NOT_SERVING, the
 * port is unbound so no new call is accepted, calls in flight get {@code persite.server.shutdown-drain} to
 * finish, then the ONNX Runtime sessions close.
 */
public final class PersiteServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PersiteServer.class);

    private final ActorSystem<SpawnProtocol.Command> system;
    private final ServerBinding binding;
    private final int metricsPort;
    private final ModelRegistry registry;

    private final int httpPort;

    private PersiteServer(ActorSystem<SpawnProtocol.Command> system, ServerBinding binding, int metricsPort, int httpPort, ModelRegistry registry) {
        this.httpPort = httpPort;
        this.system = system;
        this.binding = binding;
        this.metricsPort = metricsPort;
        this.registry = registry;
    }

    /**
     * Starts a server from a full configuration (the {@code persite} section and Pekko's). Returns once the
     * models are loaded and warmed and the port is bound.
     */
    public static PersiteServer start(Config config) throws ModelLoadException, IOException {
        return start(config, ScaleOut.SINGLE);
    }

    /**
     * As {@link #start(Config)}, taking part in {@code scaleOut} (a cluster, org.persite.cluster): its Pekko settings go
     * in front of {@code config}, and the node joins once the models are loaded.
     */
    public static PersiteServer start(Config config, ScaleOut scaleOut) throws ModelLoadException, IOException {
        config = scaleOut.pekkoConfig(config.getConfig("persite")).withFallback(config);
        PersiteConfig pc = new PersiteConfig(config);
        Config section = pc.section();
        ServerSettings settings = ServerSettings.fromConfig(section.getConfig("server"));
        BatcherSettings batching = BatcherSettings.fromConfig(section.getConfig("inference"));
        EngineSettings engineSettings = EngineSettings.fromConfig(section.getConfig("inference"));
        ModelsSettings models = ModelsSettings.fromConfig(section.getConfig("models"));
        TrainingSettings training = TrainingSettings.fromConfig(section.getConfig("training"));
        org.persite.train.TrustHeadSettings trustHead = pc.trustHeadSettings();   // a bad value stops the start here, before any model loads
        ElementTable table = ElementTable.cgcnn();
        StructureLimits limits = pc.structureLimits(table);

        ServerMetrics metrics = new ServerMetrics();
        ActorSystem<SpawnProtocol.Command> system = ActorSystem.create(Guardian.create(), "persite", config);
        Spawner spawner = Guardian.spawner(system);
        StructureReader reader = new StructureReader(limits, CellListOverlapFinder.INSTANCE);
        ModelRegistry registry;
        try {
            ActivationGate gate = new ActivationGate(new ActivationGate.Settings(ExampleStructures.load(reader), models.maxValidationMaeIncrease(),
                    new ComparingGate.Settings(models.gateMargin(), models.requireBaseline()), reader), batching);
            registry = ModelRegistry.open(ModelRepository.at(models.directory()), models.defaultModel(), engineSettings, batching, spawner, metrics,
                    gate);
        } catch (ModelLoadException | RuntimeException e) {
            system.terminate();
            metrics.close();
            throw e;
        }
        StructureValidator validator = new StructureValidator(limits, CellListOverlapFinder.INSTANCE);
        PredictionPipeline pipeline = new PredictionPipeline(new RequestPreparer(reader, validator),
                system.dispatchers().lookup(DispatcherSelector.fromConfig(ServerSettings.PARSE_DISPATCHER)), registry, metrics, settings.stepTimeout(),
                settings.maxMessageBytes(), system.scheduler(), section.getLong("domain.min-element-sites"), scaleOut.address(system));
        ScaleOut.Node node;
        try {
            node = scaleOut.join(new ScaleOut.Parts(system, spawner, registry, pipeline, metrics, section, settings.maxInFlightPerStream()));
        } catch (ModelLoadException | RuntimeException e) {
            system.terminate();
            registry.close();
            metrics.close();
            throw e;
        }
        PerSiteService service = new PerSiteService(pipeline, registry, metrics, settings, system.dispatchers().lookup(DispatcherSelector.blocking()),
                node);
        TrainerActor.Runner runner = ServerTraining.runner(training, trustHead, pc, table, reader, registry.root());
        ActorRef<TrainerActor.Command> trainer = spawner.spawn(TrainerActor.create(runner, ServerTraining.activateTrained(node.activation()),
                training.queueCapacity(), training.restartBackoffMin(), training.restartBackoffMax(), ServerTraining.metrics(metrics)), "trainer",
                Props.empty());
        AdminService admin = new AdminService(registry, node.activation(), service, trainer, system,
                system.dispatchers().lookup(DispatcherSelector.blocking()), settings.adminToken(), dataRoot(training.dataDirectory()),
                training.activate());
        HealthService health = new HealthService();
        org.persite.server.oip.OipCore oipCore = new org.persite.server.oip.OipCore(pipeline, registry, metrics, health::serving,
                system.dispatchers().lookup(DispatcherSelector.blocking()), settings.maxInFlightUnary(), VERSION,
                settings.requireTokenForPredict() ? settings.adminToken() : "");
        Function<HttpRequest, java.util.concurrent.CompletionStage<HttpResponse>> limited = GrpcEndpoints.handler(
                settings.requireTokenForPredict() ? new TokenGuard(service, settings.adminToken()) : service, admin, health,
                new org.persite.server.oip.OipGrpcService(oipCore), settings.maxMessageBytes(), system);

        ServerBinding binding;
        ServerBinding oip;
        int metricsPort;
        try {
            binding = bind(system, settings, limited);
            metricsPort = settings.metricsPort() >= 0 ? metrics.serve(settings.metricsHost(), settings.metricsPort()) : -1;
            oip = settings.httpPort() >= 0 ? bindOip(system, settings, new org.persite.server.oip.OipHttpHandler(oipCore,
                    org.apache.pekko.stream.SystemMaterializer.get(system).materializer(), settings.maxMessageBytes())) : null;
        } catch (IOException e) {
            system.terminate();
            registry.close();
            metrics.close();
            throw e;
        }
        shutDownInOrder(system, settings, binding, health, registry, metrics, node);
        if (oip != null) {
            oip.addToCoordinatedShutdown(settings.shutdownDrain(), system);
        }
        watch(system, registry, models.pollInterval(), node.activation());
        InetSocketAddress addr = binding.localAddress();
        LOG.info("persite serving gRPC{} on {}:{}{}", settings.tls().enabled() ? " over TLS" : "", addr.getHostString(), addr.getPort(),
                (metricsPort >= 0 ? ", metrics on http://" + settings.metricsHost() + ":" + metricsPort + "/metrics" : "")
                        + (oip != null ? ", Open Inference Protocol (REST) on http://" + oip.localAddress().getHostString() + ":"
                                + oip.localAddress().getPort() + "/v2" : ""));
        if (settings.adminToken().isEmpty()) {
            LOG.info("the Admin API is disabled (no persite.server.admin-token / PERSITE_ADMIN_TOKEN)");
        }
        return new PersiteServer(system, binding, metricsPort, oip == null ? -1 : oip.localAddress().getPort(), registry);
    }

    /** The version every server reports (the OIP's server metadata). */
    public static final String VERSION = "0.1.0";

    /** Binds the OIP REST port (HTTP/1.1, cleartext) on persite.server.host, waiting at most 30 s. */
    private static ServerBinding bindOip(ActorSystem<?> system, ServerSettings settings,
            Function<HttpRequest, java.util.concurrent.CompletionStage<HttpResponse>> handler) throws IOException {
        try {
            return Http.get(system).newServerAt(settings.host(), settings.httpPort()).bind(handler).toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IOException("cannot bind the Open Inference Protocol's port " + settings.host() + ":" + settings.httpPort()
                    + " (persite.server.http.port, PERSITE_HTTP_PORT): " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
    }

    /** Binds the gRPC port (TLS when configured), waiting at most 30 s. */
    private static ServerBinding bind(ActorSystem<?> system, ServerSettings settings, Function<HttpRequest, java.util.concurrent.CompletionStage<HttpResponse>> handler)
            throws IOException {
        try {
            var serverAt = Http.get(system).newServerAt(settings.host(), settings.port());
            if (settings.tls().enabled()) {
                serverAt = serverAt.enableHttps(org.apache.pekko.http.javadsl.ConnectionContext.httpsServer(settings.tls().sslContext()));
            }
            return serverAt.bind(handler).toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException | java.security.GeneralSecurityException e) {
            throw new IOException("cannot bind " + settings.host() + ":" + settings.port() + ": " + (e.getCause() != null ? e.getCause().getMessage()
                    : e.getMessage()), e);
        }
    }

    /**
     * SIGTERM's order, as Pekko's coordinated shutdown phases: health NOT_SERVING, unbind (no new call), drain the calls
     * in flight for shutdown-drain, then close the ONNX Runtime sessions and the metrics endpoint.
     */
    private static void shutDownInOrder(ActorSystem<?> system, ServerSettings settings, ServerBinding binding, HealthService health,
            ModelRegistry registry, ServerMetrics metrics, ScaleOut.Node node) {
        CoordinatedShutdown cs = CoordinatedShutdown.get(system);
        // a cluster worker finishes the jobs it holds for other fronts before the node leaves (cluster-leave comes next)
        cs.addTask(CoordinatedShutdown.PhaseBeforeClusterShutdown(), "persite-drain-cluster-work", node::drain);
        cs.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "persite-not-serving", () -> {
            LOG.info("shutting down: no new calls; draining the calls in flight (at most {})", settings.shutdownDrain());
            health.stopServing();
            return CompletableFuture.completedFuture(Done.getInstance());
        });
        binding.addToCoordinatedShutdown(settings.shutdownDrain(), system);
        cs.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "persite-close-models", () -> {
            registry.close();
            metrics.close();
            LOG.info("stopped");
            return CompletableFuture.completedFuture(Done.getInstance());
        });
    }

    /** Triton's poll mode: scans the models directory for new versions every {@code poll} (zero: never). */
    private static void watch(ActorSystem<?> system, ModelRegistry registry, java.time.Duration poll, ModelActivation via) {
        if (poll.isZero()) {
            return;
        }
        java.util.Map<String, Integer> refused = new java.util.concurrent.ConcurrentHashMap<>();
        system.scheduler().scheduleWithFixedDelay(poll, poll, () -> registry.poll(refused, via), system.dispatchers().lookup(DispatcherSelector.blocking()));
        LOG.info("watching {} for new model versions every {}", registry.root(), poll);
    }

    /** The bound gRPC port. */
    public int port() {
        return binding.localAddress().getPort();
    }

    /** The bound metrics port, or -1 when metrics are off. */
    /** The OIP REST port, or -1 when it is off. */
    public int httpPort() {
        return httpPort;
    }

    public int metricsPort() {
        return metricsPort;
    }

    public ActorSystem<?> system() {
        return system;
    }

    public ModelRegistry registry() {
        return registry;
    }

    private static Path dataRoot(String dir) throws IOException {
        Path p = Path.of(dir);
        return Files.isDirectory(p) ? p.toRealPath() : p.toAbsolutePath().normalize();
    }

    /** Graceful stop, as on SIGTERM; returns when the actor system has terminated. */
    public void stop() {
        CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason()).toCompletableFuture().join();
        system.getWhenTerminated().toCompletableFuture().join();
    }

    @Override
    public void close() {
        stop();
    }
}
