package org.persite.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.persite.config.PersiteConfig;
import org.persite.graph.ElementTable;
import org.persite.model.ModelLoadException;
import org.persite.structure.StructureReader;
import org.persite.train.CgcnnTrainer;
import org.persite.train.EnsembleCheckpoint;
import org.persite.train.TrainingCheckpoint;
import org.persite.train.TrainingJob;
import org.persite.train.TrainingProcess;
import org.persite.train.TrustHeadSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the server trains: the {@link TrainerActor}'s runner (in a child JVM or in process, with a checkpoint after
 * every epoch of every job) and what happens to a version the trainer writes (it is activated through the gate).
 */
final class ServerTraining {
    private static final Logger LOG = LoggerFactory.getLogger(ServerTraining.class);

    private ServerTraining() {
    }

    /**
     * Each job checkpoints after every epoch in MODEL/checkpoints/&lt;job&gt;/ beside its job.json (an ensemble's members in
     * member-k/ there, beside the job's progress), removed when it ends well; a failed job's folder can be resumed (Admin
     * Train with resume), after a restart too.
     */
    static TrainerActor.Runner runner(TrainingSettings training, TrustHeadSettings trustHead, PersiteConfig pc, ElementTable table, StructureReader reader,
            Path modelsRoot) {
        TrainingJob.Runner single;
        if (training.isolated()) {
            TrainingProcess child = new TrainingProcess(new TrainingProcess.Settings(training.javaOptions(), training.addressSpaceMb(), training.stopGrace(),
                    pc.section().root().render(com.typesafe.config.ConfigRenderOptions.concise())));
            single = (request, listener, checkpointing, cancelled) -> child.run(request, checkpointing.folder(), checkpointing.resumeFrom() != null,
                    listener, cancelled);
        } else {
            single = (request, listener, checkpointing, cancelled) -> TrainingJob.run(request, pc.featurizerSettings(table), table, reader, listener,
                    cancelled, checkpointing);
        }
        return (asked, listener, cancelled) -> {
            TrainingJob.Request request = asked.withTrustHead(trustHead);
            if (request.seeds() > 1) {
                return ensemble(request, single, modelsRoot, listener, cancelled, reader, table);
            }
            if (request.resumeFrom() != null) {
                Path folder = request.resumeFrom();
                return withResumeHint(folder, modelsRoot, () -> single.run(request, listener,
                        new CgcnnTrainer.Checkpointing(folder, TrainingCheckpoint.read(folder), List.of()), cancelled));
            }
            String job = Long.toString(System.currentTimeMillis());
            CgcnnTrainer.Checkpointing c = new CgcnnTrainer.Checkpointing(request.modelFolder().resolve("checkpoints").resolve(job), null, List.of());
            TrainingProcess.saveJob(c.folder(), request);
            return withResumeHint(c.folder(), modelsRoot, () -> single.run(request, listener, c, cancelled));
        };
    }

    /**
     * An ensemble job: its progress ({@link EnsembleCheckpoint}) and job.json in MODEL/checkpoints/&lt;job&gt;/, each member
     * checkpointing in member-k/ there; a job that stops can be resumed as a whole (Admin Train with resume = that folder):
     * the members written are kept, the one that was training goes on from its last epoch. The folder goes when the
     * ensemble version is written.
     */
    private static TrainingJob.Outcome ensemble(TrainingJob.Request request, TrainingJob.Runner single, Path modelsRoot, TrainingJob.Listener listener,
            java.util.function.BooleanSupplier cancelled, StructureReader reader, ElementTable table) throws Exception {
        Path folder = request.resumeFrom() != null ? request.resumeFrom()
                : request.modelFolder().resolve("checkpoints").resolve(Long.toString(System.currentTimeMillis()));
        EnsembleCheckpoint progress;
        if (request.resumeFrom() != null) {
            progress = EnsembleCheckpoint.read(folder);
        } else {
            progress = EnsembleCheckpoint.start(folder, List.of(), request.seeds());
            TrainingProcess.saveJob(folder, request);
        }
        TrainingJob.Outcome done = withResumeHint(folder, modelsRoot, () -> TrainingJob.runEnsemble(request,
                request.modelFolder().resolve(org.persite.train.EnsembleJob.MEMBERS_FOLDER), single, progress, listener, cancelled, reader, table));
        Files.deleteIfExists(folder.resolve(TrainingProcess.JOB_FILE));
        TrainingCheckpoint.deleteFolderIfEmpty(folder);
        return done;
    }

    /** A trained version goes live through the gate; returns null when it did, else why not (the old version keeps serving). */
    static TrainerActor.Activator activateTrained(ModelActivation activation) {
        return outcome -> {
            try {
                activation.activate(outcome.model().spec().name(), outcome.model().spec().version(), false);
                return null;
            } catch (ModelLoadException e) {
                LOG.warn("model {}: the trained v{} was written but is not live: {}", outcome.model().spec().name(), outcome.model().spec().version(),
                        e.getMessage());
                return e.getMessage();
            }
        };
    }

    /** Runs a training job; when it fails with a checkpoint left, the message says how to resume it. */
    private static TrainingJob.Outcome withResumeHint(Path folder, Path modelsRoot, java.util.concurrent.Callable<TrainingJob.Outcome> job)
            throws Exception {
        try {
            return job.call();
        } catch (java.util.concurrent.CancellationException e) {
            throw e;
        } catch (Exception e) {
            String resume = modelsRoot.relativize(folder.toAbsolutePath().normalize()).toString();
            if (EnsembleCheckpoint.isEnsemble(folder)) {
                EnsembleCheckpoint progress = EnsembleCheckpoint.read(folder);
                throw new IllegalStateException(e.getMessage() + "; the ensemble job's progress is kept (" + progress.done().size() + " of "
                        + progress.seeds() + " members written): Train with resume = \"" + resume + "\" goes on from it", e);
            }
            Path ck = folder.resolve(TrainingCheckpoint.FILE_NAME);
            if (!Files.isRegularFile(ck)) {
                throw e;
            }
            int epoch = TrainingCheckpoint.read(folder).epochsDone();
            throw new IllegalStateException(e.getMessage() + "; its checkpoint after epoch " + epoch + " is kept: Train with resume = \""
                    + resume + "\" goes on from it", e);
        }
    }

    /** The training metrics: each epoch's validation MAE, and each job's outcome (live, kept, failed, cancelled). */
    static TrainerActor.Observer metrics(ServerMetrics metrics) {
        return (model, e) -> {
            if (e instanceof TrainerActor.Epoch ep) {
                metrics.trainingEpoch(model, ep.report().epoch(), ep.report().validationMae());
            } else if (e instanceof TrainerActor.Finished f) {
                metrics.trainingJob(f.activated() ? "live" : "kept");
            } else if (e instanceof TrainerActor.Failed f) {
                metrics.trainingJob(f.cancelled() ? "cancelled" : "failed");
            }
        };
    }
}
