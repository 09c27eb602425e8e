package org.persite.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.ModelLoadException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training job in a child JVM: the same classes, started as {@code java ... org.persite.cli.PersiteCli train-worker
 * --request FILE}, with its own heap bound and, optionally, an address-space cap. A crash, an out-of-memory or a
 * kill there ends the job with a clear message and never touches the parent (the server).
 *
 * <p>The protocol: the parent writes the request (the job, its checkpoint folder and the parent's effective
 * {@code persite} configuration) as one JSON file; the child prints its progress on standard output as lines
 * {@value #PREFIX}{@code {json}} ({@code dataset}, {@code epoch}, then {@code done} with the version's folder, or
 * {@code failed}) and logs on standard error, which the parent passes on to its own log. Cancelling sends SIGTERM,
 * then SIGKILL after the grace period.
 */
public final class TrainingProcess {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingProcess.class);
    /** Marks a protocol line on the child's standard output; anything else there is logged. */
    public static final String PREFIX = "@persite-train ";
    static final ObjectMapper JSON = new ObjectMapper();

    /**
     * How to start the child.
     *
     * @param javaOptions JVM options of the child (its -Xmx, for one)
     * @param addressSpaceMb {@code ulimit -v} of the child in MiB, a cap on its native memory too; 0 for none
     * @param stopGrace how long a cancelled child has between SIGTERM and SIGKILL
     * @param configHocon the parent's effective {@code persite} configuration, so the child builds graphs the same way
     */
    public record Settings(List<String> javaOptions, long addressSpaceMb, Duration stopGrace, String configHocon) {
    }

    /** What the child reads. */
    public record Request(String data, TargetSpec target, String modelName, String modelFolder, TrainingConfig config, String command,
            String checkpointFolder, boolean resume, String configHocon, int seeds) {
        static Request of(TrainingJob.Request r, Path checkpoint, boolean resume, String hocon) {
            if (r.teacher() != null) {
                throw new IllegalArgumentException("a teacher is offered in-process only (persite train --teacher): a child process does not take it yet");
            }
            return new Request(r.data().toString(), r.target(), r.modelName(), r.modelFolder().toString(), r.config(), r.command(),
                    checkpoint == null ? null : checkpoint.toString(), resume, hocon, r.seeds());
        }

        /** The job; K members where the file says so (a job file without {@code seeds}, from before them, is one model). */
        public TrainingJob.Request job() {
            return new TrainingJob.Request(Path.of(data), target, modelName, Path.of(modelFolder), config, command, Math.max(1, seeds));
        }
    }

    /** The job file kept beside a server job's checkpoint, so that the job can be resumed after a restart. */
    public static final String JOB_FILE = "job.json";

    /** Writes {@code folder/job.json}: what {@link #loadJob} needs to resume the job. */
    public static void saveJob(Path folder, TrainingJob.Request r) throws IOException {
        Files.createDirectories(folder);
        JSON.writeValue(folder.resolve(JOB_FILE).toFile(), Request.of(r, folder, false, null));
    }

    /** The job saved in {@code folder}, set to resume from that folder's checkpoint. */
    public static TrainingJob.Request loadJob(Path folder) throws IOException {
        Path f = folder.resolve(JOB_FILE);
        boolean resumable = Files.isRegularFile(folder.resolve(TrainingCheckpoint.FILE_NAME)) || EnsembleCheckpoint.isEnsemble(folder);
        if (!Files.isRegularFile(f) || !resumable) {
            throw new IOException(folder + " holds no resumable training job (" + JOB_FILE + " and " + TrainingCheckpoint.FILE_NAME + ", or "
                    + EnsembleCheckpoint.FILE_NAME + " for an ensemble)");
        }
        return JSON.readValue(f.toFile(), Request.class).job().resuming(folder);
    }

    private final Settings settings;

    public TrainingProcess(Settings settings) {
        this.settings = settings;
    }

    /**
     * Runs one job in a child JVM; blocks until it ends.
     *
     * @param checkpoint the folder the child writes its checkpoint in after every epoch, or null
     * @throws CancellationException when {@code cancelled} turned true (the child is stopped)
     * @throws IllegalStateException when the child failed, crashed, ran out of memory or was killed: the message says which
     */
    public TrainingJob.Outcome run(TrainingJob.Request job, Path checkpoint, TrainingJob.Listener listener, BooleanSupplier cancelled)
            throws IOException, InterruptedException {
        return run(job, checkpoint, false, listener, cancelled);
    }

    /** As above; with {@code resume}, the child goes on from the checkpoint in {@code checkpoint}. */
    public TrainingJob.Outcome run(TrainingJob.Request job, Path checkpoint, boolean resume, TrainingJob.Listener listener, BooleanSupplier cancelled)
            throws IOException, InterruptedException {
        Path requestFile = Files.createTempFile("persite-train-", ".json");
        try {
            JSON.writeValue(requestFile.toFile(), Request.of(job, checkpoint, resume, settings.configHocon()));
            Process p = start(requestFile);
            Deque<String> stderrTail = new ArrayDeque<>();
            Thread errors = new Thread(() -> drain(p, stderrTail), "training-child-stderr");
            errors.setDaemon(true);
            errors.start();
            Thread watch = new Thread(() -> watch(p, cancelled), "training-child-cancel");
            watch.setDaemon(true);
            watch.start();
            JsonNode done = null;
            String failed = null;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (!line.startsWith(PREFIX)) {
                        LOG.info("[training child {}] {}", p.pid(), line);
                        continue;
                    }
                    JsonNode e = JSON.readTree(line.substring(PREFIX.length()));
                    switch (e.path("type").asText()) {
                        case "dataset" -> listener.datasetRead(e.path("structures").asInt(), e.path("skipped").asInt(), e.path("refused").asInt(),
                                e.path("seconds").asDouble());
                        case "epoch" -> listener.epoch(JSON.treeToValue(e.path("report"), CgcnnTrainer.EpochReport.class));
                        case "done" -> done = e;
                        case "failed" -> failed = e.path("message").asText();
                        default -> LOG.warn("[training child {}] unknown event {}", p.pid(), line);
                    }
                }
            }
            int code = p.waitFor();
            errors.join(2000);
            if (cancelled.getAsBoolean()) {
                throw new CancellationException("the training process was stopped");
            }
            if (code == 0 && done != null) {
                return outcome(done);
            }
            throw new IllegalStateException(describe(code, failed, stderrTail));
        } finally {
            Files.deleteIfExists(requestFile);
        }
    }

    private Process start(Path requestFile) throws IOException {
        List<String> java = new ArrayList<>();
        java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        java.addAll(settings.javaOptions());
        java.add("-Dai.djl.offline=true");
        for (String prop : List.of("logback.configurationFile")) {
            String v = System.getProperty(prop);
            if (v != null) {
                java.add("-D" + prop + "=" + v);
            }
        }
        java.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.persite.cli.PersiteCli", "train-worker", "--request",
                requestFile.toString()));
        List<String> cmd = new ArrayList<>();
        if (settings.addressSpaceMb() > 0) {
            // ulimit -v caps every mapping the child makes, native (libtorch) ones too
            cmd.addAll(List.of("/bin/sh", "-c", "ulimit -v " + settings.addressSpaceMb() * 1024 + " && exec \"$@\"", "persite-train"));
        }
        cmd.addAll(java);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put(org.persite.inference.OrtTelemetry.VARIABLE, "1"); // the child's ONNX Runtime (evaluation) too
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        LOG.info("training in child process {} ({})", p.pid(), String.join(" ", settings.javaOptions()));
        return p;
    }

    private static void drain(Process p, Deque<String> tail) {
        try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = err.readLine()) != null; ) {
                LOG.info("[training child {}] {}", p.pid(), line);
                synchronized (tail) {
                    tail.addLast(line);
                    if (tail.size() > 30) {
                        tail.removeFirst();
                    }
                }
            }
        } catch (IOException e) {
            LOG.debug("training child's stderr: {}", e.toString());
        }
    }

    private void watch(Process p, BooleanSupplier cancelled) {
        try {
            while (p.isAlive()) {
                if (cancelled.getAsBoolean()) {
                    p.destroy(); // SIGTERM
                    if (!p.waitFor(settings.stopGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                        p.destroyForcibly();
                    }
                    return;
                }
                p.waitFor(200, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static String describe(int code, String failed, Deque<String> stderrTail) {
        String tail;
        synchronized (stderrTail) {
            tail = String.join("\n", stderrTail);
        }
        if (failed != null) {
            return failed;
        }
        if (tail.contains("OutOfMemoryError") || code == 3) {
            String line = stderrTail.stream().filter(l -> l.contains("OutOfMemoryError")).findFirst().orElse("exit code " + code);
            return "the training process ran out of memory (" + line.strip() + "); raise its heap in persite.training.process.java-options";
        }
        if (code >= 128) {
            int signal = code - 128;
            String name = signal == 9 ? "SIGKILL" : signal == 11 ? "SIGSEGV" : signal == 6 ? "SIGABRT" : signal == 15 ? "SIGTERM" : "signal " + signal;
            return "the training process was killed by " + name + " (exit code " + code + ")"
                    + (signal == 9 ? ": by the kernel's out-of-memory killer, the address-space cap or an operator" : "");
        }
        return "the training process exited with code " + code + (tail.isEmpty() ? "" : "; its last lines:\n" + tail);
    }

    private static TrainingJob.Outcome outcome(JsonNode done) throws IOException {
        try {
            LoadedModel model = ModelDirectory.load(Path.of(done.path("directory").asText()));
            Evaluation ev = JSON.treeToValue(done.path("evaluation"), Evaluation.class);
            TrainingResult r = JSON.treeToValue(done.path("result"), TrainingResult.class);
            return new TrainingJob.Outcome(model, ev, r, done.path("structures").asInt());
        } catch (ModelLoadException e) {
            throw new IOException("the training process wrote a version that does not load: " + e.getMessage(), e);
        }
    }

    /**
     * The child's side: runs the request and prints the protocol on {@code out}. Returns the exit code (0 done,
     * 1 failed).
     */
    public static int serve(Request request, TrainingJob.Runner runner, PrintStream out) {
        TrainingJob.Listener listener = new TrainingJob.Listener() {
            @Override
            public void datasetRead(int structures, int skipped, int refused, double seconds) {
                emit(out, JSON.createObjectNode().put("type", "dataset").put("structures", structures).put("skipped", skipped)
                        .put("refused", refused).put("seconds", seconds));
            }

            @Override
            public void epoch(CgcnnTrainer.EpochReport report) {
                var n = JSON.createObjectNode().put("type", "epoch");
                n.set("report", JSON.valueToTree(report));
                emit(out, n);
            }
        };
        try {
            Path folder = request.checkpointFolder() == null ? null : Path.of(request.checkpointFolder());
            TrainingCheckpoint from = request.resume() && folder != null ? TrainingCheckpoint.read(folder) : null;
            TrainingJob.Outcome o = runner.run(request.job(), listener, new CgcnnTrainer.Checkpointing(folder, from, List.of()), () -> false);
            var n = JSON.createObjectNode().put("type", "done").put("directory", o.model().directory().toString()).put("structures", o.structures());
            n.set("evaluation", JSON.valueToTree(o.evaluation()));
            TrainingResult r = o.result();
            n.set("result", JSON.valueToTree(new TrainingResult(null, r.bestEpoch(), r.trainLoss(), r.validationMae(), r.mean(), r.std(), r.seconds())));
            emit(out, n);
            return 0;
        } catch (Exception | Error e) {
            String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            emit(out, JSON.createObjectNode().put("type", "failed").put("message", why));
            return 1;
        }
    }

    private static void emit(PrintStream out, JsonNode n) {
        synchronized (out) {
            out.println(PREFIX + n);
            out.flush();
        }
    }
}
