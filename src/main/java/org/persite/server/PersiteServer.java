package org.persite.server;

import com.typesafe.config.Config;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Routers;
import org.apache.pekko.grpc.javadsl.ServerReflection;
import org.apache.pekko.grpc.javadsl.ServiceHandler;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.japi.function.Function;
import org.persite.api.health.Health;
import org.persite.api.health.HealthHandlerFactory;
import org.persite.api.v1.Admin;
import org.persite.api.v1.AdminPowerApiHandlerFactory;
import org.persite.api.v1.PerSite;
import org.persite.api.v1.PerSitePowerApiHandlerFactory;
import org.persite.config.PersiteConfig;
import org.persite.train.CgcnnTrainer;
import org.persite.train.TrainingProcess;
import org.persite.graph.CellListOverlapFinder;
import org.persite.graph.ElementTable;
import org.persite.inference.BatcherSettings;
import org.persite.inference.EngineSettings;
import org.persite.model.ModelLoadException;
import org.persite.structure.StructureLimits;
import org.persite.structure.StructureReader;
import org.persite.structure.StructureValidator;
import org.persite.train.TrainingJob;
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

    private PersiteServer(ActorSystem<SpawnProtocol.Command> system, ServerBinding binding, int metricsPort, ModelRegistry registry) {
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
        PersiteConfig pc = new PersiteConfig(config);
        Config section = pc.section();
        ServerSettings settings = ServerSettings.fromConfig(section.getConfig("server"));
        BatcherSettings batching = BatcherSettings.fromConfig(section.getConfig("inference"));
        EngineSettings engineSettings = EngineSettings.fromConfig(section.getConfig("inference"));
        ModelsSettings models = ModelsSettings.fromConfig(section.getConfig("models"));
        TrainingSettings training = TrainingSettings.fromConfig(section.getConfig("training"));
        ElementTable table = ElementTable.cgcnn();
        StructureLimits limits = pc.structureLimits(table);

        ServerMetrics metrics = new ServerMetrics();
        ActorSystem<SpawnProtocol.Command> system = ActorSystem.create(SpawnProtocol.create(), "persite", config);
        Spawner spawner = new Spawner() {
            @Override
            public <T> ActorRef<T> spawn(Behavior<T> behavior, String name, Props props) {
                try {
                    return AskPattern.<SpawnProtocol.Command, ActorRef<T>>ask(system, r -> new SpawnProtocol.Spawn<>(behavior, name, props, r),
                            Duration.ofSeconds(10), system.scheduler()).toCompletableFuture().get(10, TimeUnit.SECONDS);
                } catch (InterruptedException | ExecutionException | TimeoutException e) {
                    throw new IllegalStateException("cannot start actor " + name, e);
                }
            }
        };
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
                settings.maxMessageBytes(), system.scheduler(), section.getLong("domain.min-element-sites"));
        PerSiteService service = new PerSiteService(pipeline, registry, metrics, settings);
        TrainingJob.Runner single;
        if (training.isolated()) {
            TrainingProcess child = new TrainingProcess(new TrainingProcess.Settings(training.javaOptions(), training.addressSpaceMb(), training.stopGrace(),
                    section.root().render(com.typesafe.config.ConfigRenderOptions.concise())));
            single = (request, listener, checkpointing, cancelled) -> child.run(request, checkpointing.folder(), checkpointing.resumeFrom() != null,
                    listener, cancelled);
        } else {
            single = (request, listener, checkpointing, cancelled) -> TrainingJob.run(request, pc.featurizerSettings(table), table, reader, listener,
                    cancelled, checkpointing);
        }
        // each job (each member of an ensemble) checkpoints after every epoch in MODEL/checkpoints/<job>/ beside its job.json,
        // removed when it ends well; a failed job's folder can be resumed (Admin Train with resume), after a restart too
        Path modelsRoot = registry.root();
        TrainerActor.Runner runner = (request, listener, cancelled) -> {
            if (request.resumeFrom() != null) {
                Path folder = request.resumeFrom();
                return withResumeHint(folder, modelsRoot, () -> single.run(request, listener,
                        new CgcnnTrainer.Checkpointing(folder, org.persite.train.TrainingCheckpoint.read(folder), List.of()), cancelled));
            }
            String job = Long.toString(System.currentTimeMillis());
            java.util.function.IntFunction<CgcnnTrainer.Checkpointing> plan = m -> new CgcnnTrainer.Checkpointing(
                    request.modelFolder().resolve("checkpoints").resolve(request.seeds() > 1 ? job + "-member" + (m + 1) : job), null, List.of());
            if (request.seeds() > 1) {
                return TrainingJob.runEnsemble(request, single, plan, listener, cancelled, reader, table);
            }
            CgcnnTrainer.Checkpointing c = plan.apply(0);
            TrainingProcess.saveJob(c.folder(), request);
            return withResumeHint(c.folder(), modelsRoot, () -> single.run(request, listener, c, cancelled));
        };
        ActorRef<TrainerActor.Command> trainer = spawner.spawn(TrainerActor.create(runner,
                outcome -> {
                    try {
                        registry.activate(outcome.model().spec().name(), outcome.model().spec().version());
                        return null;
                    } catch (ModelLoadException e) {
                        LOG.warn("model {}: the trained v{} was written but is not live: {}", outcome.model().spec().name(),
                                outcome.model().spec().version(), e.getMessage());
                        return e.getMessage();
                    }
                }, training.queueCapacity(), training.restartBackoffMin(), training.restartBackoffMax()), "trainer", Props.empty());
        AdminService admin = new AdminService(registry, service, trainer, system,
                system.dispatchers().lookup(DispatcherSelector.blocking()), settings.adminToken(), dataRoot(training.dataDirectory()),
                training.activate());
        HealthService health = new HealthService();
        Function<HttpRequest, java.util.concurrent.CompletionStage<HttpResponse>> handler = ServiceHandler.concatOrNotFound(
                PerSitePowerApiHandlerFactory.partial(settings.requireTokenForPredict() ? new TokenGuard(service, settings.adminToken()) : service,
                        PerSite.name, system),
                AdminPowerApiHandlerFactory.partial(admin, Admin.name, system),
                HealthHandlerFactory.partial(health, Health.name, system),
                ServerReflection.create(List.of(PerSite.description, Admin.description, Health.description), system));
        Function<HttpRequest, java.util.concurrent.CompletionStage<HttpResponse>> limited = req -> {
            // a per-message limit instead of pekko-http's whole-body limit (a stream is one long body)
            boolean predict = req.getUri().path().startsWith("/" + PerSite.name + "/Predict");
            org.apache.pekko.http.scaladsl.model.RequestEntity body = (org.apache.pekko.http.scaladsl.model.RequestEntity) req.entity();
            return handler.apply(req.withEntity(body.withoutSizeLimit().transformDataBytes(scala(predict
                    ? GrpcMessageLimit.replacingOversized(settings.maxMessageBytes()) : GrpcMessageLimit.failingOversized(settings.maxMessageBytes())))));
        };

        ServerBinding binding;
        int metricsPort = -1;
        try {
            var serverAt = Http.get(system).newServerAt(settings.host(), settings.port());
            if (settings.tls().enabled()) {
                serverAt = serverAt.enableHttps(org.apache.pekko.http.javadsl.ConnectionContext.httpsServer(settings.tls().sslContext()));
            }
            binding = serverAt.bind(limited).toCompletableFuture().get(30, TimeUnit.SECONDS);
            if (settings.metricsPort() >= 0) {
                metricsPort = metrics.serve(settings.metricsHost(), settings.metricsPort());
            }
        } catch (InterruptedException | ExecutionException | TimeoutException | IOException | java.security.GeneralSecurityException e) {
            system.terminate();
            registry.close();
            metrics.close();
            throw new IOException("cannot bind " + settings.host() + ":" + settings.port() + " (or the metrics port " + settings.metricsPort()
                    + "): " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }

        CoordinatedShutdown cs = CoordinatedShutdown.get(system);
        cs.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "persite-not-serving", () -> {
            LOG.info("shutting down: no new calls; draining the calls in flight (at most {})", settings.shutdownDrain());
            health.stopServing();
            return CompletableFuture.completedFuture(Done.getInstance());
        });
        // unbind (stop accepting), wait for the calls in flight, then close the connections
        binding.addToCoordinatedShutdown(settings.shutdownDrain(), system);
        cs.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "persite-close-models", () -> {
            registry.close();
            metrics.close();
            LOG.info("stopped");
            return CompletableFuture.completedFuture(Done.getInstance());
        });
        java.time.Duration poll = models.pollInterval();
        if (!poll.isZero()) {
            java.util.Map<String, Integer> refused = new java.util.concurrent.ConcurrentHashMap<>();
            system.scheduler().scheduleWithFixedDelay(poll, poll, () -> registry.poll(refused), system.dispatchers().lookup(DispatcherSelector.blocking()));
            LOG.info("watching {} for new model versions every {}", registry.root(), poll);
        }
        InetSocketAddress addr = binding.localAddress();
        LOG.info("persite serving gRPC{} on {}:{}{}", settings.tls().enabled() ? " over TLS" : "", addr.getHostString(), addr.getPort(),
                metricsPort >= 0 ? ", metrics on http://" + settings.metricsHost() + ":" + metricsPort + "/metrics" : "");
        if (settings.adminToken().isEmpty()) {
            LOG.info("the Admin API is disabled (no persite.server.admin-token / PERSITE_ADMIN_TOKEN)");
        }
        return new PersiteServer(system, binding, metricsPort, registry);
    }

    /** Runs a training job; when it fails with a checkpoint left, the message says how to resume it. */
    private static TrainingJob.Outcome withResumeHint(Path folder, Path modelsRoot, java.util.concurrent.Callable<TrainingJob.Outcome> job)
            throws Exception {
        try {
            return job.call();
        } catch (java.util.concurrent.CancellationException e) {
            throw e;
        } catch (Exception e) {
            Path ck = folder.resolve(org.persite.train.TrainingCheckpoint.FILE_NAME);
            if (!Files.isRegularFile(ck)) {
                throw e;
            }
            int epoch = org.persite.train.TrainingCheckpoint.read(folder).epochsDone();
            String resume = modelsRoot.relativize(folder.toAbsolutePath().normalize()).toString();
            throw new IllegalStateException(e.getMessage() + "; its checkpoint after epoch " + epoch + " is kept: Train with resume = \""
                    + resume + "\" goes on from it", e);
        }
    }

    /** A pool of {@code size} copies of {@code behavior} on dispatcher {@code dispatcher}, each restarted if it fails. */

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static org.apache.pekko.stream.scaladsl.Flow<org.apache.pekko.util.ByteString, org.apache.pekko.util.ByteString, Object> scala(
            org.apache.pekko.stream.javadsl.Flow<org.apache.pekko.util.ByteString, org.apache.pekko.util.ByteString, ?> flow) {
        return (org.apache.pekko.stream.scaladsl.Flow) flow.asScala();
    }

    /** The bound gRPC port. */
    public int port() {
        return binding.localAddress().getPort();
    }

    /** The bound metrics port, or -1 when metrics are off. */
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
