package org.persite.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.persite.config.PersiteConfig;
import org.persite.graph.CellListOverlapFinder;
import org.persite.graph.ElementTable;
import org.persite.graph.FeaturizerSettings;
import org.persite.model.CgcnnHyperparameters;
import org.persite.structure.StructureReader;
import org.persite.train.CgcnnTrainer;
import org.persite.train.EnsembleCheckpoint;
import org.persite.train.EnsembleJob;
import org.persite.train.Evaluation;
import org.persite.train.TargetSpec;
import org.persite.train.TrainingCheckpoint;
import org.persite.train.TrainingConfig;
import org.persite.train.TrainingJob;
import org.persite.train.TrustHeadSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code persite train}: train a per-site CGCNN with DJL and write the next model version. */
@Command(name = "train", mixinStandardHelpOptions = true,
        header = "Train a per-site CGCNN on a JSON Lines dataset and write the next model version.",
        description = {"Train a per-site CGCNN on a JSON Lines dataset (random 60/20/20 split by structure), keep the epoch with",
            "the best validation MAE, evaluate it on the test split against the per-element average, and write",
            "OUT/<next version>/ (model.onnx + model.json). Prints one line per epoch: loss, validation MAE, ETA."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--data", description = {"Dataset: JSON Lines (.jsonl or .jsonl.gz), or a folder of structure files (CIF, POSCAR, XYZ) with",
        "targets.csv: structure,site,<property>... one row per labelled site (site = 0-based index in persite's site order)."})
    Path data;

    @Option(names = "--property", description = "The per-site field to learn, e.g. magmom, ddec_charge.")
    String property;

    @Option(names = "--transform", defaultValue = "none", description = "none or abs (default: ${DEFAULT-VALUE}).")
    String transform;

    @Option(names = "--constraint", description = "What the graph enforces: none, non-negative or conserved-sum (charges sum to the cell's charge). "
            + "Default: non-negative with --transform abs, else none.")
    String constraint;

    @Option(names = "--filter", description = "Keep only records whose boolean attribute is true, e.g. paper_filter.")
    String filter;

    @Option(names = "--unit", defaultValue = "", description = "Unit of the property, for the model card, e.g. μB.")
    String unit;

    @Option(names = "--out", description = "Model folder, e.g. models/magmom; the new version goes in OUT/<n>/.")
    Path out;

    @Option(names = "--name", description = "Model name (default: the folder name of --out).")
    String name;

    @Option(names = "--epochs", defaultValue = "30", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "64", description = "Crystals per batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "0.003", description = "Learning rate, cosine-decayed to 1%% (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--optimizer", defaultValue = "ADAM", description = "ADAM or SGD (momentum 0.9) (default: ${DEFAULT-VALUE}).")
    TrainingConfig.OptimizerKind optimizer;

    @Option(names = "--loss", defaultValue = "L1", description = "L1, MSE or HUBER (delta 0.1 in normalised units) (default: ${DEFAULT-VALUE}).")
    TrainingConfig.LossKind loss;

    @Option(names = "--seed", defaultValue = "1", description = "Initial weights, batch order and (unless --split-seed) the split (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--split-seed", description = "The 60/20/20 split alone (default: --seed); ensemble members share it.")
    Long splitSeed;

    @Option(names = "--seeds", defaultValue = "1", description = {"Train this many members on one split (seeds --seed, --seed + 1, ...) and",
        "write them as one ensemble version with a per-site standard deviation (default: ${DEFAULT-VALUE})."})
    int seeds;

    @Option(names = "--members-out", description = "With --seeds: the model folder the members go in (default: OUT/members).")
    Path membersOut;

    @Option(names = "--features", defaultValue = "64", description = "F (default: ${DEFAULT-VALUE}).")
    int features;

    @Option(names = "--conv", defaultValue = "3", description = "Convolutions (default: ${DEFAULT-VALUE}).")
    int conv;

    @Option(names = "--hidden-width", defaultValue = "128", description = "H (default: ${DEFAULT-VALUE}).")
    int hiddenWidth;

    @Option(names = "--hidden-layers", defaultValue = "1", description = "Hidden layers of the head (default: ${DEFAULT-VALUE}).")
    int hiddenLayers;

    @Option(names = "--activation", defaultValue = "softplus", description = {"The cores' and head's activation: softplus (the paper's, default)",
        "or silu (x * sigmoid(x): cheaper to serve; opt-in, check its accuracy)."})
    String activation;

    @Option(names = "--element-affine", description = {"End the head in a learned per-element scale and shift, started at each element's",
        "training median, so the network learns the residual from the per-element baseline."})
    boolean elementAffine;

    @Option(names = "--bond-valence", paramLabel = "K", defaultValue = "0", description = {"Add K learned bond-valence sums to each atom's embedding",
        "(an oxidation-state estimate from its bond lengths; 0 = none, the paper's model; default: ${DEFAULT-VALUE})."})
    int bondValence;

    @Option(names = "--state-bins", paramLabel = "S", defaultValue = "0", description = {"End the head in S state bins (logits and a value per bin, centres spread",
        "over the training labels), predicting the median bin's value: a per-site distribution for targets with several modes,",
        "such as spin states. Not with --element-affine; 0 = a plain output (default: ${DEFAULT-VALUE})."})
    int stateBins;

    @Option(names = "--layer-norm", description = {"Normalise the convolutions with LayerNorm (each gate half, and the summed messages, over",
        "their own channels) instead of BatchNorm: a site's features no longer depend on the batch; it costs a pass at inference."})
    boolean layerNorm;

    @Option(names = "--crystal-context", description = {"Give the head each site's crystal too: its input becomes the site's features and their mean",
        "over the site's crystal (the composition and state of the whole cell); the model then reads each atom's structure index."})
    boolean crystalContext;

    @Option(names = "--tm-weight", defaultValue = "1", description = "Weight of a transition-metal site in the loss, others 1 (default: ${DEFAULT-VALUE}).")
    float tmWeight;

    @Option(names = "--max-train", defaultValue = "0", description = {"Train on at most this many structures of the training split (a seeded subset; 0 = all),",
        "for quick ablations: validation and test splits are unchanged (default: ${DEFAULT-VALUE})."})
    int maxTrain;

    @Option(names = "--ema", paramLabel = "DECAY", defaultValue = "0", description = {"Keep an exponential moving average of the weights with this",
        "decay per update (for example 0.999; warmed up as (1 + t) / (10 + t)); validation, the best epoch and the model",
        "written are the averaged weights (0 = none, default: ${DEFAULT-VALUE})."})
    float ema;

    @Option(names = "--teacher", paramLabel = "MODEL", description = {"Learn from a trained version's predictions instead of the labels on the",
        "training split (knowledge distillation; for example an ensemble into one network). Validation and test keep their",
        "labels. MODEL (models/NAME/V, or a model folder for its active version) must have been trained on this run's data,",
        "target and --split-seed with the same graphs."})
    Path teacher;

    @Option(names = "--server", paramLabel = "HOST:PORT", description = {"Train on a running server instead (Admin API Train): --data is then a path",
        "inside the server's data directory, and the new version goes live there when it passes the gate."})
    String server;

    @Option(names = "--token", description = "With --server: the admin token (default: env PERSITE_ADMIN_TOKEN).")
    String token;

    @Option(names = "--checkpoint", paramLabel = "DIR", description = {"Write a checkpoint here after every epoch, atomically (default: OUT/checkpoint;",
        "removed when the version is written; with --seeds, the job's progress and each member's checkpoint). A stopped run",
        "goes on with --resume DIR."})
    Path checkpoint;

    @Option(names = "--no-checkpoint", description = "Write no checkpoint.")
    boolean noCheckpoint;

    @Option(names = "--resume", paramLabel = "DIR", description = {"Go on with the run whose checkpoint is in DIR, after its last finished epoch, with",
        "the arguments it was started with (give no others); the result is that of the uninterrupted run. For a --seeds job,",
        "the members already written are kept and the one that was training goes on from its last epoch."})
    Path resume;

    /** The checkpoint this run goes on from (set by --resume on the command it re-creates). */
    private TrainingCheckpoint resumeFrom;

    /** The ensemble job this run goes on with (set by --resume on the command it re-creates). */
    private EnsembleCheckpoint resumeEnsemble;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter o = spec.commandLine().getOut();
        if (resume != null) {
            if (data != null || property != null || out != null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--resume takes the run's arguments from its checkpoint: give no others");
            }
            return resumeRun(o);
        }
        if (data == null || property == null || out == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--data, --property and --out are required (or --resume DIR)");
        }
        if (seeds < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--seeds must be at least 1");
        }
        org.persite.model.Activation act;
        try {
            act = org.persite.model.Activation.parse(activation);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--activation: " + e.getMessage());
        }
        if (server != null && (tmWeight != 1f || maxTrain != 0 || loss == TrainingConfig.LossKind.HUBER || stateBins != 0 || ema != 0f || layerNorm
                || crystalContext || teacher != null)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--tm-weight, --max-train, --loss HUBER, --state-bins, --ema, "
                    + "--layer-norm, --crystal-context and --teacher are offered in-process only: Admin Train does not take them yet");
        }
        if (teacher != null && seeds > 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--teacher is for one model; --seeds members learn from the labels");
        }
        if (!(ema >= 0f && ema < 1f)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--ema: the decay must lie in [0, 1) (0 = none), not " + ema);
        }
        if (stateBins != 0 && (stateBins < 2 || stateBins > CgcnnHyperparameters.MAX_STATE_BINS || elementAffine)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--state-bins: need 2 to " + CgcnnHyperparameters.MAX_STATE_BINS
                    + " bins, without --element-affine (the state head takes its place), not " + stateBins + (elementAffine ? " with it" : ""));
        }
        if (bondValence < 0 || bondValence > CgcnnHyperparameters.MAX_BOND_VALENCE_CHANNELS) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--bond-valence: need 0 to "
                    + CgcnnHyperparameters.MAX_BOND_VALENCE_CHANNELS + " channels, not " + bondValence);
        }
        if (server != null) {
            return remote(o);
        }
        PersiteConfig config = PersiteConfig.load();
        ElementTable table = ElementTable.cgcnn();
        FeaturizerSettings featurizer = config.featurizerSettings(table);
        StructureReader reader = new StructureReader(config.structureLimits(table), CellListOverlapFinder.INSTANCE);
        TargetSpec target = new TargetSpec(property, TargetSpec.Transform.parse(transform), filter, unit,
                constraint == null ? null : org.persite.model.PropertySpec.Constraint.parse(constraint));
        TrainingConfig tc = new TrainingConfig(new CgcnnHyperparameters(features, conv, hiddenWidth, hiddenLayers, act, elementAffine, bondValence, stateBins, layerNorm,
                crystalContext), epochs, batch, lr,
                optimizer, loss, seed, splitSeed != null ? splitSeed : seed, tmWeight, maxTrain, ema);
        // the card's provenance: the same arguments a checkpoint keeps for --resume
        String command = "persite train " + String.join(" ", relativeToHere(arguments())) + (seeds > 1 ? " --seeds " + seeds : "");
        String modelName = name != null ? name : out.getFileName().toString();
        Path checkpointFolder = noCheckpoint ? null : (checkpoint != null ? checkpoint : out.resolve("checkpoint")).toAbsolutePath();
        // a run or a --seeds job: neither starts over another's unfinished checkpoint
        if (checkpointFolder != null && resumeFrom == null && resumeEnsemble == null && (Files.exists(checkpointFolder.resolve(TrainingCheckpoint.FILE_NAME))
                || EnsembleCheckpoint.isEnsemble(checkpointFolder))) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), checkpointFolder + " holds the checkpoint of an unfinished run: "
                    + "go on with it (persite train --resume " + checkpointFolder + "), remove it, or give another --checkpoint");
        }
        if (seeds > 1) {
            return ensemble(o, tc, target, featurizer, config.trustHeadSettings(), table, reader, modelName, command, checkpointFolder);
        }
        TrainingJob.Outcome r;
        try {
            r = TrainingJob.run(new TrainingJob.Request(relativeToHere(data), target, modelName, out, tc, command).withTeacher(teacher)
                    .withTrustHead(config.trustHeadSettings()), featurizer, table, reader,
                    listener(o, ""), () -> false, new CgcnnTrainer.Checkpointing(checkpointFolder, resumeFrom, arguments()));
        } catch (RuntimeException e) {
            if (e instanceof java.util.concurrent.CancellationException || checkpointFolder == null
                    || !Files.isRegularFile(checkpointFolder.resolve(TrainingCheckpoint.FILE_NAME))) {
                throw e;
            }
            spec.commandLine().getErr().println("error: " + resumeHint(e.getMessage(), checkpointFolder, TrainingCheckpoint.read(checkpointFolder).epochsDone()));
            spec.commandLine().getErr().flush();
            return 1;
        }
        Evaluation ev = r.evaluation();
        o.printf(Locale.ROOT, "test MAE %s: CGCNN %.4f (all sites), %.4f (TM sites); per-element average %.4f, %.4f%n", unit, ev.test().mae(),
                ev.test().maeTransitionMetals(), ev.perElementTest().mae(), ev.perElementTest().maeTransitionMetals());
        o.printf("wrote %s%n", r.model().directory());
        o.flush();
        return 0;
    }

    /** --resume DIR: the run re-created from the arguments in its checkpoint, going on after its last epoch. */
    private int resumeRun(PrintWriter o) throws IOException {
        Path folder = Files.isDirectory(resume) ? resume : resume.getParent();
        if (folder != null && EnsembleCheckpoint.isEnsemble(folder)) {
            return resumeEnsembleRun(o, folder);
        }
        if (folder != null && folder.getParent() != null && EnsembleCheckpoint.isEnsemble(folder.getParent())) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--resume: " + folder + " is a member of the ensemble job in "
                    + folder.getParent() + ": go on with the whole job (persite train --resume " + folder.getParent() + ")");
        }
        TrainingCheckpoint ck;
        try {
            ck = TrainingCheckpoint.read(resume);
        } catch (IOException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--resume: " + e.getMessage());
        }
        if (ck.arguments().isEmpty()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), resume + ": the checkpoint does not say how its run was started");
        }
        TrainCommand run = again(ck.arguments());
        run.resumeFrom = ck;
        run.checkpoint = Files.isDirectory(resume) ? resume : resume.getParent();
        o.printf(Locale.ROOT, "resuming after epoch %d of %d (best so far: epoch %d, val MAE %.4f): persite train %s%n", ck.epochsDone(),
                ck.config().epochs(), ck.bestEpoch(), ck.best(), String.join(" ", ck.arguments()));
        o.flush();
        return run.call();
    }

    /** The command a checkpoint's stored arguments make, printing where this one prints. */
    private TrainCommand again(List<String> arguments) {
        picocli.CommandLine again = new picocli.CommandLine(new TrainCommand());
        again.setOut(spec.commandLine().getOut());
        again.setErr(spec.commandLine().getErr());
        again.parseArgs(arguments.toArray(new String[0]));
        return again.getCommand();
    }

    /** --resume DIR of a --seeds job: the job re-created from its progress file, going on with the member it stopped in. */
    private int resumeEnsembleRun(PrintWriter o, Path folder) throws IOException {
        EnsembleCheckpoint progress;
        try {
            progress = EnsembleCheckpoint.read(folder);
        } catch (IOException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--resume: " + e.getMessage());
        }
        if (progress.arguments().isEmpty()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--resume: " + folder + " is a server's ensemble job: go on with it "
                    + "there (Admin Train with resume = that folder, relative to the models directory)");
        }
        TrainCommand run = again(progress.arguments());
        run.resumeEnsemble = progress;
        run.checkpoint = folder;
        o.printf(Locale.ROOT, "resuming an ensemble job, %d of %d members written: persite train %s%n", progress.done().size(), progress.seeds(),
                String.join(" ", progress.arguments()));
        o.flush();
        return run.call();
    }

    /** A failed run's message, with how to go on from the checkpoint it left (as Admin Train's failures say for the server). */
    static String resumeHint(String message, Path checkpointFolder, int epochsDone) {
        return message + "; its checkpoint after epoch " + epochsDone + " is kept: persite train --resume " + checkpointFolder + " goes on from it";
    }

    /**
     * The arguments with the --data and --out paths relative to the working folder where they lie inside it, as the
     * card's provenance gives the command: it then reads the same in any checkout.
     */
    static List<String> relativeToHere(List<String> arguments) {
        List<String> a = new ArrayList<>(arguments);
        for (int k = 0; k + 1 < a.size(); k++) {
            if (a.get(k).equals("--data") || a.get(k).equals("--out")) {
                a.set(k + 1, relativeToHere(Path.of(a.get(k + 1))).toString());
            }
        }
        return a;
    }

    /**
     * A path relative to the working folder where it lies inside it (else as given): the card's {@code data}, so that a
     * run resumed from its checkpoint, which keeps absolute paths, writes the same card as the run it goes on with.
     */
    static Path relativeToHere(Path p) {
        Path here = Path.of("").toAbsolutePath();
        return p.isAbsolute() && p.startsWith(here) ? here.relativize(p) : p;
    }

    /** This run's arguments with absolute paths, as a checkpoint keeps them for --resume. */
    private List<String> arguments() {
        List<String> a = new ArrayList<>(List.of("--data", data.toAbsolutePath().toString(), "--property", property, "--transform", transform));
        if (filter != null) {
            a.addAll(List.of("--filter", filter));
        }
        if (constraint != null) {
            a.addAll(List.of("--constraint", constraint));
        }
        a.addAll(List.of("--unit", unit, "--out", out.toAbsolutePath().toString(), "--epochs", Integer.toString(epochs), "--batch",
                Integer.toString(batch), "--lr", Float.toString(lr), "--optimizer", optimizer.name(), "--loss", loss.name(), "--seed",
                Long.toString(seed)));
        if (splitSeed != null) {
            a.addAll(List.of("--split-seed", Long.toString(splitSeed)));
        }
        if (name != null) {
            a.addAll(List.of("--name", name));
        }
        a.addAll(List.of("--features", Integer.toString(features), "--conv", Integer.toString(conv), "--hidden-width", Integer.toString(hiddenWidth),
                "--hidden-layers", Integer.toString(hiddenLayers), "--activation", activation));
        if (elementAffine) {
            a.add("--element-affine");
        }
        if (bondValence != 0) {
            a.addAll(List.of("--bond-valence", Integer.toString(bondValence)));
        }
        if (stateBins != 0) {
            a.addAll(List.of("--state-bins", Integer.toString(stateBins)));
        }
        if (layerNorm) {
            a.add("--layer-norm");
        }
        if (crystalContext) {
            a.add("--crystal-context");
        }
        if (tmWeight != 1f) {
            a.addAll(List.of("--tm-weight", Float.toString(tmWeight)));
        }
        if (maxTrain != 0) {
            a.addAll(List.of("--max-train", Integer.toString(maxTrain)));
        }
        if (ema != 0f) {
            a.addAll(List.of("--ema", Float.toString(ema)));
        }
        if (teacher != null) {
            a.addAll(List.of("--teacher", teacher.toAbsolutePath().toString()));
        }
        return a;
    }

    /**
     * --seeds K: K members on one split (seeds seed, seed+1, ...), each written to --members-out, then one
     * ensemble version in --out with the members' mean, their standard deviation and its evaluation.
     */
    private int ensemble(PrintWriter o, TrainingConfig tc, TargetSpec target, FeaturizerSettings featurizer, TrustHeadSettings trustHead,
            ElementTable table, StructureReader reader, String modelName, String command, Path folder) throws IOException {
        Path membersFolder = membersOut != null ? membersOut : out.resolve(org.persite.train.EnsembleJob.MEMBERS_FOLDER);
        EnsembleCheckpoint progress = null;
        if (folder != null) {
            List<String> started = new ArrayList<>(arguments());
            started.addAll(List.of("--seeds", Integer.toString(seeds)));
            if (membersOut != null) {
                started.addAll(List.of("--members-out", membersOut.toAbsolutePath().toString()));
            }
            progress = resumeEnsemble != null ? resumeEnsemble : EnsembleCheckpoint.start(folder, started, seeds);
        }
        // each member prints its own epochs; the job's shifted epoch count is for the server's stream
        TrainingJob.Runner member = (request, shifted, checkpointing, cancelled) -> {
            int k = (int) (request.config().seed() - tc.seed());
            String memberCommand = command.replace(" --seed " + tc.seed(), " --seed " + request.config().seed()) + " (member " + (k + 1) + " of " + seeds + ")";
            TrainingJob.Request r = new TrainingJob.Request(relativeToHere(data), target, modelName, request.modelFolder(), request.config(), memberCommand)
                    .withTrustHead(trustHead);
            if (checkpointing.resumeFrom() != null) {
                o.printf(Locale.ROOT, "member %d/%d: going on after epoch %d of %d%n", k + 1, seeds, checkpointing.resumeFrom().epochsDone(), epochs);
            }
            TrainingJob.Outcome done = TrainingJob.run(r, featurizer, table, reader, listener(o, "member " + (k + 1) + "/" + seeds + " (seed "
                    + request.config().seed() + ")  "), cancelled, checkpointing);
            o.printf(Locale.ROOT, "member %d/%d: test MAE %.4f %s (TM %.4f), wrote %s%n", k + 1, seeds, done.evaluation().test().mae(), unit,
                    done.evaluation().test().maeTransitionMetals(), done.model().directory());
            o.flush();
            return done;
        };
        if (progress != null && !progress.done().isEmpty()) {
            o.printf(Locale.ROOT, "members written before: %s%n", progress.done());
            o.flush();
        }
        TrainingJob.Request job = new TrainingJob.Request(relativeToHere(data), target, modelName, out, tc, command, seeds).withTrustHead(trustHead);
        TrainingJob.Outcome e;
        try {
            e = TrainingJob.runEnsemble(job, membersFolder, member, progress, new TrainingJob.Listener() { }, () -> false, reader, table);
        } catch (Exception x) {
            if (progress == null || x instanceof java.util.concurrent.CancellationException || !EnsembleCheckpoint.isEnsemble(progress.folder())) {
                throw x instanceof RuntimeException r ? r : new IllegalStateException(x.getMessage(), x);
            }
            int written = EnsembleCheckpoint.read(progress.folder()).done().size();
            spec.commandLine().getErr().println("error: " + x.getMessage() + "; the ensemble job's progress is kept (" + written + " of " + seeds
                    + " members written): persite train --resume " + progress.folder() + " goes on from it");
            spec.commandLine().getErr().flush();
            return 1;
        }
        Path report = e.model().directory().resolve("report").resolve("report.md");
        if (Files.isRegularFile(report)) {
            o.print(Files.readString(report));
        }
        o.printf("wrote %s%n", e.model().directory());
        o.flush();
        return 0;
    }

    private TrainingJob.Listener listener(PrintWriter o, String prefix) {
        boolean terminal = System.console() != null;
        PrintWriter bar = spec.commandLine().getErr();
        long[] lastDraw = {0};
        int[] drawn = {0};
        return new TrainingJob.Listener() {
            @Override
            public void batch(CgcnnTrainer.BatchReport b) {
                long now = System.nanoTime();
                if (!terminal || now - lastDraw[0] < 250_000_000L) {
                    return;
                }
                lastDraw[0] = now;
                long total = (long) b.epochs() * b.batches();
                long doneAll = (long) (b.epoch() - 1) * b.batches() + b.batch();
                int width = 30;
                int filled = (int) Math.round(width * (double) doneAll / total);
                // ETA from this run's own pace (a resumed run starts counting at its first epoch)
                double eta = b.seconds() / Math.max(1, b.batch() + (long) (b.epoch() - firstEpoch(b)) * b.batches()) * (total - doneAll);
                String line = String.format(Locale.ROOT, "%s[%s%s] epoch %d/%d  batch %d/%d  loss %.4f  ETA %s", prefix, "=".repeat(filled),
                        " ".repeat(width - filled), b.epoch(), b.epochs(), b.batch(), b.batches(), b.meanLoss(), duration(eta));
                bar.print("\r" + line + " ".repeat(Math.max(0, drawn[0] - line.length())));
                bar.flush();
                drawn[0] = line.length();
            }

            private int first = -1;

            private int firstEpoch(CgcnnTrainer.BatchReport b) {
                if (first < 0) {
                    first = b.epoch();
                }
                return first;
            }

            private void clearBar() {
                if (drawn[0] > 0) {
                    bar.print("\r" + " ".repeat(drawn[0]) + "\r");
                    bar.flush();
                    drawn[0] = 0;
                }
            }

            @Override
            public void datasetRead(int structures, int skipped, int refused, double seconds) {
                o.printf(Locale.ROOT, "%s%s: %d structures (%d left out by filter or missing %s, %d unreadable), graphs in %.1f s%n", prefix, data,
                        structures, skipped, property, refused, seconds);
                o.flush();
            }

            @Override
            public void epoch(CgcnnTrainer.EpochReport e) {
                clearBar();
                double eta = e.seconds() * (e.epochs() - e.epoch());
                o.printf(Locale.ROOT, "%sepoch %d/%d  loss %.4f  val MAE %.4f %s  (%.1f s/epoch, ETA %s, RSS %d MiB)%n", prefix, e.epoch(), e.epochs(),
                        e.trainLoss(), e.validationMae(), unit, e.seconds(), duration(eta), e.residentMb());
                o.flush();
            }
        };
    }

    /** Trains on the server and shows its progress: a redrawn line on a terminal, one line per epoch otherwise. */
    private int remote(PrintWriter o) {
        String modelName = name != null ? name : out.getFileName().toString();
        org.persite.api.v1.TrainRequest req = org.persite.api.v1.TrainRequest.newBuilder().setModel(modelName).setDataset(data.toString())
                .setProperty(property).setTransform(transform).setConstraint(constraint == null ? "" : constraint).setFilter(filter == null ? "" : filter).setUnit(unit).setEpochs(epochs)
                .setBatchCrystals(batch).setLearningRate(lr).setSeed(seed).setAtomFeatures(features).setConvLayers(conv)
                .setHiddenFeatures(hiddenWidth).setHiddenLayers(hiddenLayers).setActivation(activation).setElementAffine(elementAffine).setBondValenceChannels(bondValence).setSeeds(seeds).setSplitSeed(splitSeed == null ? 0 : splitSeed).build();
        boolean terminal = System.console() != null;
        int[] code = {1};
        try (AdminConnection c = new AdminConnection(server, token)) {
            c.admin.train().addHeader("authorization", c.authorization).invoke(req).runForeach(p -> {
                if (p.hasQueued()) {
                    o.printf("job %s queued (position %d)%n", p.getJobId(), p.getQueued().getPosition());
                } else if (p.hasStarted()) {
                    o.printf(Locale.ROOT, "job %s: %d structures (%d left out), graphs in %.1f s%n", p.getJobId(), p.getStarted().getStructures(),
                            p.getStarted().getSkipped(), p.getStarted().getDatasetSeconds());
                } else if (p.hasEpoch()) {
                    var e = p.getEpoch();
                    int width = 30;
                    int done = (int) Math.round(width * (double) e.getEpoch() / e.getEpochs());
                    String bar = "[" + "=".repeat(done) + " ".repeat(width - done) + "]";
                    o.printf(Locale.ROOT, terminal ? "\r%s epoch %d/%d  loss %.4f  val MAE %.4f %s  ETA %s   " : "%s epoch %d/%d  loss %.4f  val MAE %.4f %s  ETA %s%n",
                            bar, e.getEpoch(), e.getEpochs(), e.getTrainLoss(), e.getValidationMae(), unit, duration(e.getEtaSeconds()));
                } else if (p.hasFinished()) {
                    var f = p.getFinished();
                    o.printf(Locale.ROOT, "%sversion %d: test MAE %.4f %s (TM %.4f; per-element %.4f), %s%n", terminal ? "\n" : "", f.getVersion(),
                            f.getTestMae(), unit, f.getTestMaeTm(), f.getPerElementTestMae(), f.getActivated() ? "live" : "not live: " + f.getActivationMessage());
                    code[0] = 0;
                } else if (p.hasFailed()) {
                    o.printf("%sfailed: %s%n", terminal ? "\n" : "", p.getFailed().getMessage());
                }
                o.flush();
            }, c.system).toCompletableFuture().join();
        } catch (RuntimeException e) {
            spec.commandLine().getErr().println("error: " + AdminConnection.describe(e));
            spec.commandLine().getErr().flush();
            return 1;
        }
        return code[0];
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60) : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
