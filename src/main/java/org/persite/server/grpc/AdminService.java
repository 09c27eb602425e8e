package org.persite.server.grpc;

import org.persite.server.ModelRegistry;
import org.persite.server.ModelRepository;
import org.persite.server.TrainerActor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSource;
import org.persite.api.v1.ActivateMode;
import org.persite.api.v1.ActivateRequest;
import org.persite.api.v1.AdminPowerApi;
import org.persite.api.v1.CancelTrainingRequest;
import org.persite.api.v1.CancelTrainingResponse;
import org.persite.api.v1.ListModelsRequest;
import org.persite.api.v1.ListModelsResponse;
import org.persite.api.v1.ModelInfo;
import org.persite.api.v1.RollbackRequest;
import org.persite.api.v1.TrainEpoch;
import org.persite.api.v1.TrainFailed;
import org.persite.api.v1.TrainFinished;
import org.persite.api.v1.TrainProgress;
import org.persite.api.v1.TrainQueued;
import org.persite.api.v1.TrainRequest;
import org.persite.api.v1.TrainStarted;
import org.persite.model.CgcnnHyperparameters;
import org.persite.model.ModelLoadException;
import org.persite.train.TargetSpec;
import org.persite.train.TrainingConfig;
import org.persite.train.TrainingJob;

/**
 * {@code persite.v1.Admin}: model versions and training. Every call needs the bearer token of
 * {@code persite.server.admin-token}; with none configured the service is disabled. Activation and rollback
 * (loading and warming ONNX Runtime sessions) run on the blocking-I/O dispatcher, training on the trainer's.
 */
public final class AdminService implements AdminPowerApi {
    private final ModelRegistry registry;
    private final org.persite.server.ModelActivation activation;
    private final PerSiteService descriptions;
    private final ActorRef<TrainerActor.Command> trainer;
    private final ActorSystem<?> system;
    private final Executor blocking;
    private final byte[] token;
    private final Path dataRoot;
    private final boolean activateByDefault;

    /**
     * @param token the admin bearer token; empty disables the service
     * @param dataRoot the folder datasets are taken from (real path)
     */
    public AdminService(ModelRegistry registry, org.persite.server.ModelActivation activation, PerSiteService descriptions, ActorRef<TrainerActor.Command> trainer, ActorSystem<?> system,
            Executor blocking, String token, Path dataRoot, boolean activateByDefault) {
        this.registry = registry;
        this.activation = activation;
        this.descriptions = descriptions;
        this.trainer = trainer;
        this.system = system;
        this.blocking = blocking;
        this.token = token.getBytes(StandardCharsets.UTF_8);
        this.dataRoot = dataRoot;
        this.activateByDefault = activateByDefault;
    }

    /** Null when the call may go on, or the refusal. */
    private GrpcServiceException refusal(Metadata metadata) {
        if (token.length == 0) {
            return new GrpcServiceException(Status.PERMISSION_DENIED.withDescription(
                    "the admin API is disabled: no token is configured (persite.server.admin-token, env PERSITE_ADMIN_TOKEN)"));
        }
        return TokenGuard.authorized(metadata, token) ? null : TokenGuard.unauthenticated();
    }

    private static <T> CompletionStage<T> fail(GrpcServiceException e) {
        return CompletableFuture.failedFuture(e);
    }

    @Override
    public CompletionStage<ListModelsResponse> listVersions(ListModelsRequest in, Metadata metadata) {
        GrpcServiceException no = refusal(metadata);
        return no != null ? fail(no) : descriptions.listModels(in, metadata);
    }

    @Override
    public CompletionStage<ModelInfo> activate(ActivateRequest in, Metadata metadata) {
        GrpcServiceException no = refusal(metadata);
        if (no != null) {
            return fail(no);
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return descriptions.info(activation.activate(in.getModel(), in.getVersion(), in.getForce()));
            } catch (ModelLoadException e) {
                throw new GrpcServiceException(Status.FAILED_PRECONDITION.withDescription(hidePaths(e.getMessage()) + "; the active version keeps serving"));
            }
        }, blocking);
    }

    @Override
    public CompletionStage<ModelInfo> rollback(RollbackRequest in, Metadata metadata) {
        GrpcServiceException no = refusal(metadata);
        if (no != null) {
            return fail(no);
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return descriptions.info(activation.rollback(in.getModel()));
            } catch (ModelLoadException e) {
                throw new GrpcServiceException(Status.FAILED_PRECONDITION.withDescription(hidePaths(e.getMessage())));
            } catch (ModelRegistry.UnknownModelException e) {
                throw new GrpcServiceException(Status.NOT_FOUND.withDescription(hidePaths(e.getMessage())));
            }
        }, blocking);
    }

    @Override
    public Source<TrainProgress, NotUsed> train(TrainRequest in, Metadata metadata) {
        GrpcServiceException no = refusal(metadata);
        if (no != null) {
            return Source.failed(no);
        }
        TrainingJob.Request request;
        try {
            request = request(in);
        } catch (IllegalArgumentException e) {
            return Source.failed(new GrpcServiceException(Status.INVALID_ARGUMENT.withDescription(hidePaths(e.getMessage()))));
        }
        String jobId = UUID.randomUUID().toString().substring(0, 8);
        boolean activate = in.getActivate() == ActivateMode.ACTIVATE_DEFAULT ? activateByDefault : in.getActivate() == ActivateMode.ACTIVATE_YES;
        // the job's events, ending after its Finished or Failed (epochs are few: a small buffer never overflows)
        Source<TrainerActor.Event, ActorRef<TrainerActor.Event>> events = ActorSource.actorRef(e -> false, e -> java.util.Optional.empty(), 256,
                OverflowStrategy.dropHead());
        return events.mapMaterializedValue(ref -> {
            trainer.tell(new TrainerActor.Start(jobId, request, activate, ref));
            return NotUsed.getInstance();
        }).takeWhile(e -> !(e instanceof TrainerActor.Finished || e instanceof TrainerActor.Failed), true)
                .map(this::progress).watchTermination((m, done) -> {
            // a client that goes away cancels its job
            done.whenComplete((d, e) -> trainer.tell(new TrainerActor.Cancel(jobId, system.ignoreRef())));
            return m;
        });
    }

    @Override
    public CompletionStage<CancelTrainingResponse> cancelTraining(CancelTrainingRequest in, Metadata metadata) {
        GrpcServiceException no = refusal(metadata);
        if (no != null) {
            return fail(no);
        }
        return AskPattern.<TrainerActor.Command, Boolean>ask(trainer, r -> new TrainerActor.Cancel(in.getJobId(), r), Duration.ofSeconds(10),
                system.scheduler()).thenApply(found -> CancelTrainingResponse.newBuilder().setCancelled(found).build());
    }

    /** The training request, with every path confined to the data and models directories. */
    private TrainingJob.Request request(TrainRequest in) {
        if (!in.getResume().isEmpty()) {
            Path folder = registry.root().resolve(in.getResume()).normalize();
            try {
                if (!folder.startsWith(registry.root()) || !Files.isDirectory(folder) || !folder.toRealPath().startsWith(registry.root().toRealPath())) {
                    throw new IllegalArgumentException("resume '" + in.getResume() + "' is not a folder inside the models directory");
                }
                return org.persite.train.TrainingProcess.loadJob(folder);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("resume '" + in.getResume() + "': " + e.getMessage());
            }
        }
        if (!ModelRepository.safeName(in.getModel())) {
            throw new IllegalArgumentException("'" + in.getModel() + "' is not a model name (letters, digits, '.', '_', '-')");
        }
        if (in.getDataset().isEmpty() || in.getProperty().isEmpty()) {
            throw new IllegalArgumentException("dataset and property are required");
        }
        Path data = dataRoot.resolve(in.getDataset()).normalize();
        try {
            if (!Files.isRegularFile(data) || !data.toRealPath().startsWith(dataRoot)) {
                throw new IllegalArgumentException("dataset '" + in.getDataset() + "' is not a file inside the server's data directory ('"
                        + dataRoot.getFileName() + "', persite.training.data-directory, PERSITE_DATA_DIR): name it relative to that directory");
            }
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("dataset '" + in.getDataset() + "' cannot be read: " + e.getMessage());
        }
        CgcnnHyperparameters ref = CgcnnHyperparameters.reference();
        CgcnnHyperparameters h = new CgcnnHyperparameters(or(in.getAtomFeatures(), ref.atomFeatures()), or(in.getConvLayers(), ref.convLayers()),
                or(in.getHiddenFeatures(), ref.hiddenWidth()), or(in.getHiddenLayers(), ref.hiddenLayers()),
                in.getActivation().isEmpty() ? org.persite.model.Activation.SOFTPLUS : org.persite.model.Activation.parse(in.getActivation()),
                in.getElementAffine(), in.getBondValenceChannels());
        long seed = in.getSeed() == 0 ? 1 : in.getSeed();
        TrainingConfig tc = new TrainingConfig(h, or(in.getEpochs(), 30), or(in.getBatchCrystals(), 64),
                in.getLearningRate() > 0 ? in.getLearningRate() : 0.003f, TrainingConfig.OptimizerKind.ADAM, TrainingConfig.LossKind.L1,
                seed, in.getSplitSeed() == 0 ? seed : in.getSplitSeed());
        if (in.getSeeds() > 64) {
            throw new IllegalArgumentException("seeds " + in.getSeeds() + " is more members than an ensemble needs (at most 64)");
        }
        TargetSpec target = new TargetSpec(in.getProperty(), TargetSpec.Transform.parse(in.getTransform().isEmpty() ? "none" : in.getTransform()),
                in.getFilter().isEmpty() ? null : in.getFilter(), in.getUnit(),
                in.getConstraint().isEmpty() ? null : org.persite.model.PropertySpec.Constraint.parse(in.getConstraint()));
        return new TrainingJob.Request(data, target, in.getModel(), registry.root().resolve(in.getModel()), tc,
                "Admin/Train " + asJson(in), Math.max(1, in.getSeeds()));
    }

    /**
     * The request's set fields as one line of JSON, in UTF-8 as given (protobuf's text format would write "μB" as
     * "\316\274B" into the card's provenance).
     */
    static String asJson(com.google.protobuf.Message in) {
        java.util.Map<String, Object> fields = new java.util.LinkedHashMap<>();
        in.getAllFields().forEach((f, v) -> fields.put(f.getName(), v instanceof com.google.protobuf.Descriptors.EnumValueDescriptor e ? e.getName() : v));
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(fields);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return fields.toString();
        }
    }

    private static int or(int v, int fallback) {
        return v == 0 ? fallback : v;
    }

    /**
     * A message for the client with the server's own absolute paths taken out: paths in the data directory become
     * relative to it (what the client named), the models directory is "models/".
     */
    String hidePaths(String message) {
        if (message == null) {
            return "";
        }
        String data = dataRoot.toString();
        String models = registry.root().toAbsolutePath().normalize().toString();
        return message.replace(data + java.io.File.separator, "").replace(data, "the data directory").replace(models + java.io.File.separator, "models/")
                .replace(models, "models");
    }

    private TrainProgress progress(TrainerActor.Event e) {
        TrainProgress.Builder b = TrainProgress.newBuilder().setJobId(e.jobId());
        if (e instanceof TrainerActor.Queued q) {
            b.setQueued(TrainQueued.newBuilder().setPosition(q.position()));
        } else if (e instanceof TrainerActor.Started s) {
            b.setStarted(TrainStarted.newBuilder().setStructures(s.structures()).setSkipped(s.skipped()).setDatasetSeconds(s.datasetSeconds()));
        } else if (e instanceof TrainerActor.Epoch ep) {
            var r = ep.report();
            b.setEpoch(TrainEpoch.newBuilder().setEpoch(r.epoch()).setEpochs(r.epochs()).setTrainLoss(r.trainLoss()).setValidationMae(r.validationMae())
                    .setEpochSeconds(r.seconds()).setEtaSeconds(r.seconds() * (r.epochs() - r.epoch())));
        } else if (e instanceof TrainerActor.Finished f) {
            var ev = f.outcome().evaluation();
            b.setFinished(TrainFinished.newBuilder().setVersion(f.outcome().model().spec().version()).setTestMae(ev.test().mae())
                    .setTestMaeTm(ev.test().maeTransitionMetals()).setPerElementTestMae(ev.perElementTest().mae()).setValidationMae(ev.validation().mae())
                    .setActivated(f.activated()).setActivationMessage(hidePaths(f.activationMessage())).setTrainingSeconds(f.outcome().result().seconds()));
        } else if (e instanceof TrainerActor.Failed f) {
            b.setFailed(TrainFailed.newBuilder().setMessage(hidePaths(f.message())).setCancelled(f.cancelled()));
        }
        return b.build();
    }
}
