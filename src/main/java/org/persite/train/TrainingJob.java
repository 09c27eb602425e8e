package org.persite.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.persite.graph.ElementTable;
import org.persite.graph.FeaturizerSettings;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.ModelSpec;
import org.persite.model.PropertySpec;
import org.persite.structure.StructureReader;

/**
 * One training run from dataset to model directory: read the dataset and build its graphs, split 60/20/20,
 * train (best validation epoch kept), evaluate on the test split against the per-element average, and write
 * {@code modelFolder/<next version>/} with its card. The CLI's {@code persite train} and the server's trainer
 * actor both run this.
 */
public final class TrainingJob {

    /**
     * What to train.
     *
     * @param data a JSON Lines dataset (.jsonl or .jsonl.gz)
     * @param modelFolder models/NAME; the new version is written in its next integer folder
     * @param command how the run was asked for, for the card's provenance
     * @param seeds 1 for one model; K > 1 for K members on one split (seeds config.seed, +1, ...), written as one
     *     ensemble version (see {@link #runEnsemble})
     * @param resumeFrom a checkpoint folder of this same job to go on from (server jobs), or null
     * @param teacher a trained version whose predictions replace the training split's targets ({@link TeacherTargets}), or null
     *     (the labels)
     * @param trustHead how the new version's trust head is fitted ({@code persite.trust-head}; a server's child JVM reads it
     *     from the configuration it is given, so {@link TrainingProcess}'s job file does not hold it)
     */
    public record Request(Path data, TargetSpec target, String modelName, Path modelFolder, TrainingConfig config, String command, int seeds,
            Path resumeFrom, Path teacher, TrustHeadSettings trustHead) {
        public Request(Path data, TargetSpec target, String modelName, Path modelFolder, TrainingConfig config, String command) {
            this(data, target, modelName, modelFolder, config, command, 1, null, null, TrustHeadSettings.defaults());
        }

        public Request(Path data, TargetSpec target, String modelName, Path modelFolder, TrainingConfig config, String command, int seeds) {
            this(data, target, modelName, modelFolder, config, command, seeds, null, null, TrustHeadSettings.defaults());
        }

        /** This request, going on from the checkpoint in {@code folder}. */
        public Request resuming(Path folder) {
            return new Request(data, target, modelName, modelFolder, config, command, seeds, folder, teacher, trustHead);
        }

        /** This request, learning from the teacher in {@code version} (a version folder, or a model folder for its active version). */
        public Request withTeacher(Path version) {
            return new Request(data, target, modelName, modelFolder, config, command, seeds, resumeFrom, version, trustHead);
        }

        /** This request, its trust head fitted with {@code settings}. */
        public Request withTrustHead(TrustHeadSettings settings) {
            return new Request(data, target, modelName, modelFolder, config, command, seeds, resumeFrom, teacher, settings);
        }

        public Request {
            if (seeds < 1) {
                throw new IllegalArgumentException("seeds must be at least 1, got " + seeds);
            }
            if (teacher != null && seeds > 1) {
                throw new IllegalArgumentException("a teacher is for one model; --seeds members learn from the labels");
            }
            java.util.Objects.requireNonNull(trustHead, "trustHead");
        }
    }

    /** What a run produced. */
    public record Outcome(LoadedModel model, Evaluation evaluation, TrainingResult result, int structures) {
    }

    /** Runs a request with a checkpointing plan: in this JVM ({@link TrainingJob#run}) or in a child ({@link TrainingProcess}). */
    @FunctionalInterface
    public interface Runner {
        Outcome run(Request request, Listener listener, CgcnnTrainer.Checkpointing checkpointing, BooleanSupplier cancelled) throws Exception;
    }

    /** Progress as the run goes. */
    public interface Listener {
        /** The dataset is read: structures kept, left out by the filter or unlabelled, unreadable; seconds spent. */
        default void datasetRead(int structures, int skipped, int refused, double seconds) {
        }

        default void epoch(CgcnnTrainer.EpochReport report) {
        }

        /** After every training batch (in-process runs only; a child process reports epochs). */
        default void batch(CgcnnTrainer.BatchReport report) {
        }
    }

    private TrainingJob() {
    }

    /**
     * Runs a request to the end.
     *
     * @param cancelled checked before every batch
     * @throws java.util.concurrent.CancellationException when cancelled
     * @throws IllegalStateException when training diverges (a loss that is not finite)
     */
    public static Outcome run(Request r, FeaturizerSettings featurizer, ElementTable table, StructureReader reader, Listener listener,
            BooleanSupplier cancelled) throws IOException {
        return run(r, featurizer, table, reader, listener, cancelled, CgcnnTrainer.Checkpointing.NONE);
    }

    /**
     * Runs a request to the end, writing a checkpoint after every epoch when {@code checkpointing} has a folder,
     * and going on from its checkpoint when it has one. The checkpoint file is removed once the version is written.
     */
    public static Outcome run(Request r, FeaturizerSettings featurizer, ElementTable table, StructureReader reader, Listener listener,
            BooleanSupplier cancelled, CgcnnTrainer.Checkpointing checkpointing) throws IOException {
        long t0 = System.nanoTime();
        SiteDataset ds = SiteDataset.load(r.data(), r.target(), featurizer, reader);
        listener.datasetRead(ds.size(), ds.skipped(), ds.refused(), (System.nanoTime() - t0) / 1e9);
        if (ds.size() < 5) {
            throw new IllegalArgumentException(r.data() + " gives " + ds.size() + " usable structures; a 60/20/20 split needs at least 5");
        }
        SiteDataset.Split split = ds.split(r.config().splitSeed());
        TrainingConfig tc = r.config();
        // what the network learns from: the labels, or a teacher's predictions on the training split (validation and test keep
        // their labels; the per-element baseline, the trust head and the gate set below are fitted on the labels)
        SiteDataset learnFrom = ds;
        LoadedModel teacher = null;
        if (r.teacher() != null) {
            try {
                teacher = ModelDirectory.load(ModelDirectory.resolve(r.teacher()));
            } catch (org.persite.model.ModelLoadException e) {
                throw new IllegalArgumentException("the teacher " + r.teacher() + " cannot be loaded: " + e.getMessage(), e);
            }
            learnFrom = TeacherTargets.apply(ds, split, r.target(), tc.splitSeed(), featurizer, teacher);
        }
        TrainingResult result = new CgcnnTrainer(featurizer, table).train(learnFrom, split, tc, listener::epoch, listener::batch, cancelled, checkpointing);
        int version = nextVersion(r.modelFolder());
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put("data", r.data().toString());
        Map<String, String> licence = DatasetLicence.of(r.data());
        provenance.put("data_licence", licence.get("data_licence"));
        provenance.put("data_citation", licence.get("data_citation"));
        provenance.put("property", r.target().field());
        provenance.put("transform", r.target().transform().name().toLowerCase(Locale.ROOT));
        provenance.put("filter", r.target().filter() == null ? "" : r.target().filter());
        provenance.put("constraint", r.target().constraint().cardName());
        provenance.put("split", "random 60/20/20 by structure, seed " + tc.splitSeed());
        provenance.put("seed", Long.toString(tc.seed()));
        provenance.put("structures", ds.size() + " (train " + split.train().size() + ", validation " + split.validation().size() + ", test "
                + split.test().size() + ")");
        provenance.put("training", String.format(Locale.ROOT, "%s, %s, %d epochs, batch %d crystals, lr %s cosine%s, best epoch %d, %.0f s",
                tc.optimizer(), tc.loss(), tc.epochs(), tc.batchCrystals(), tc.learningRate(),
                tc.emaDecay() > 0 ? ", weights averaged (EMA " + tc.emaDecay() + ")" : "", result.bestEpoch(), result.seconds()));
        if (teacher != null) {
            provenance.put("teacher", TeacherTargets.describe(teacher) + ": the training split's targets are its predictions as served; "
                    + "validation and test keep their labels");
        }
        provenance.put("hardware", Runtime.getRuntime().availableProcessors() + " CPU cores, " + System.getProperty("os.arch") + ", DJL PyTorch (CPU)");
        provenance.put("command", r.command());
        if (checkpointing.resumeFrom() != null) {
            provenance.put("resumed", "after epoch " + checkpointing.resumeFrom().epochsDone() + " from its checkpoint (the training time is the resumed part's)");
        }
        provenance.put("created", Instant.now().toString());
        List<PropertySpec> props = List.of(new PropertySpec(r.target().field(), r.target().unit(), result.mean(), result.std()));
        ModelSpec draft = new ModelSpec(r.modelName(), version, tc.hyperparameters(), featurizer, props, provenance, Map.of());
        Evaluation ev = Evaluation.of(ds, split, draft, result.weights(), table);
        ModelSpec spec = new ModelSpec(r.modelName(), version, tc.hyperparameters(), featurizer, props, provenance, ev.asMetrics());
        Path dir = r.modelFolder().resolve(Integer.toString(version));
        boolean member = r.modelFolder().getFileName().toString().equals(EnsembleJob.MEMBERS_FOLDER);
        LoadedModel written = member
                // an ensemble's members stay plain: the ensemble gets the trust head
                ? ModelDirectory.write(dir, spec, result.weights(), table)
                : TrustFitting.fit(new LoadedModel(dir, spec, org.persite.model.OnnxCgcnnWriter.write(spec, result.weights(), table), ""), ds, split,
                        r.target().constraint(), r.trustHead(), table, dir, version, r.command()).model();
        // the model name carries its gate set from its first training on: this run's test split (an ensemble's
        // members write it into the ensemble's folder)
        Path gateFolder = member ? r.modelFolder().getParent() : r.modelFolder();
        GateSetWriter.writeIfAbsent(gateFolder, r.data(), split.test().stream().map(ds::get).toList());
        if (checkpointing.folder() != null) {
            Files.deleteIfExists(checkpointing.folder().resolve(TrainingCheckpoint.FILE_NAME)); // nothing left to resume
            TrainingCheckpoint.deleteFolderIfEmpty(checkpointing.folder());
        }
        return new Outcome(written, ev, result, ds.size());
    }

    /**
     * K = {@code r.seeds()} members on one split, each trained by {@code member} (in this JVM or a child) into
     * {@code membersFolder}, then joined into one ensemble version of MODEL with its evaluation and calibration
     * ({@link EnsembleJob}). Epochs are reported across the members: member k's epoch e is (k - 1) E + e of K E.
     * With {@code progress} (else null: no checkpoints), the job records each member written and goes on where it
     * stopped: members already written are loaded (their seed checked), the member that was training goes on from its
     * checkpoint ({@link EnsembleCheckpoint#memberCheckpointing}), and the progress is removed once the ensemble version
     * is written.
     */
    public static Outcome runEnsemble(Request r, Path membersFolder, Runner member, EnsembleCheckpoint progress, Listener listener,
            BooleanSupplier cancelled, StructureReader reader, ElementTable table) throws Exception {
        long t0 = System.nanoTime();
        int k = r.seeds();
        if (progress != null && progress.seeds() != k) {
            throw new IllegalArgumentException("the ensemble job in " + progress.folder() + " has " + progress.seeds() + " members, this request " + k);
        }
        int epochs = r.config().epochs();
        List<LoadedModel> members = new java.util.ArrayList<>();
        for (int m = 0; m < k; m++) {
            TrainingConfig c = r.config();
            TrainingConfig mc = c.withSeed(c.seed() + m);
            if (progress != null && m < progress.done().size()) {
                LoadedModel written = org.persite.model.ModelDirectory.load(progress.done().get(m));
                String seed = written.spec().provenance().get("seed");
                if (!Long.toString(mc.seed()).equals(seed)) {
                    throw new IllegalStateException("member " + (m + 1) + " of the ensemble job in " + progress.folder() + " is " + written.directory()
                            + ", trained with seed " + seed + ", not " + mc.seed());
                }
                members.add(written);
                continue;
            }
            Request mr = new Request(r.data(), r.target(), r.modelName(), membersFolder, mc,
                    r.command() + " (member " + (m + 1) + " of " + k + ", seed " + mc.seed() + ")").withTrustHead(r.trustHead());
            int offset = m * epochs;
            boolean firstMember = m == 0;
            Listener shifted = new Listener() {
                @Override
                public void datasetRead(int n, int skipped, int refused, double seconds) {
                    if (firstMember) {
                        listener.datasetRead(n, skipped, refused, seconds);
                    }
                }

                @Override
                public void epoch(CgcnnTrainer.EpochReport e) {
                    listener.epoch(new CgcnnTrainer.EpochReport(offset + e.epoch(), k * epochs, e.trainLoss(), e.validationMae(), e.seconds(),
                            e.liveArrays(), e.residentMb()));
                }
            };
            Outcome o = member.run(mr, shifted, progress != null ? progress.memberCheckpointing(m) : CgcnnTrainer.Checkpointing.NONE, cancelled);
            members.add(o.model());
            if (progress != null) {
                progress.memberDone(m, o.model().directory());
            }
        }
        EnsembleJob.Outcome e = EnsembleJob.build(members, r.data(), r.modelFolder(), r.modelName(), r.command(), r.trustHead(), reader, table);
        if (progress != null) {
            progress.finish();
        }
        // the per-element baseline is fit on the shared training split: the same for every member
        Evaluation ev = new Evaluation(e.validation(), e.test(), e.perElementValidation(), e.perElementTest());
        return new Outcome(e.model(), ev, new TrainingResult(null, 0, List.of(), List.of(), 0, 0, (System.nanoTime() - t0) / 1e9), e.structures());
    }

    /** One more than the highest integer version folder in dir (1 for a new dir). */
    public static int nextVersion(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 1;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d{1,9}")).mapToInt(Integer::parseInt).max().orElse(0) + 1;
        }
    }
}
