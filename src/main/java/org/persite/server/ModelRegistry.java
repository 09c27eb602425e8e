package org.persite.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.inference.Batcher;
import org.persite.inference.BatcherSettings;
import org.persite.inference.EngineSettings;
import org.persite.inference.InferenceException;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.ModelLoadException;
import org.persite.structure.Structure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model registry: {@code models/<name>/<integer version>/}, as in Triton's model repository. At start the
 * newest version of every model is served. A version is made live by {@link #activate}: <b>load, warm, gate,
 * then switch</b> (Triton issue #2076 unloaded first and went down; here the old version serves until the new
 * one has passed the gate, and closes only when its last request is answered). Every path is confined to the
 * models directory: names are plain, and symbolic links that lead out of it are refused.
 */
public final class ModelRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);

    /**
     * The checks a version passes before it goes live.
     *
     * @param smokeStructures predicted at every activation: every value must be finite
     * @param maxValidationMaeIncrease the old card-to-card validation check (negative: off)
     * @param compare the comparing gate's settings (see {@link ComparingGate})
     * @param reader reads the gate sets
     */
    public record Gate(List<Structure> smokeStructures, double maxValidationMaeIncrease, ComparingGate.Settings compare,
            org.persite.structure.StructureReader reader) {
        /** A gate that does not compare on a gate set beyond the card checks (margin 2%, baseline required). */
        public Gate(List<Structure> smokeStructures, double maxValidationMaeIncrease) {
            this(smokeStructures, maxValidationMaeIncrease, new ComparingGate.Settings(0.02, true),
                    new org.persite.structure.StructureReader(org.persite.structure.StructureLimits.DEFAULTS,
                            org.persite.graph.CellListOverlapFinder.INSTANCE));
        }
    }

    /** Why a version is being activated, which decides how much of the gate applies. */
    enum Activation {
        /** At start: the recorded or newest version; it is not compared (nothing is active yet). */
        START,
        /** Activate, poll or training: the whole gate. */
        GATED,
        /** Activate with force: the comparison and baseline are skipped, and the log and report say so. */
        FORCED,
        /** Rollback: the operator goes back; not compared. */
        ROLLBACK
    }

    private final Path root;
    private final String defaultName;
    private final EngineSettings engineSettings;
    private final BatcherSettings batching;
    private final Spawner spawner;
    private final ServerMetrics metrics;
    private final Gate gate;
    private final ComparingGate comparing;
    private final Map<String, ServedModel> active = new ConcurrentHashMap<>();
    private final Map<String, Deque<Integer>> previous = new HashMap<>();
    /** Per model, the highest version folder seen so far: poll activates only versions above it. */
    private final Map<String, Integer> highestSeen = new ConcurrentHashMap<>();
    private final Object admin = new Object(); // one activation at a time

    private ModelRegistry(Path root, String defaultName, EngineSettings engineSettings, BatcherSettings batching, Spawner spawner,
            ServerMetrics metrics, Gate gate) {
        this.root = root;
        this.defaultName = defaultName;
        this.engineSettings = engineSettings;
        this.batching = batching;
        this.spawner = spawner;
        this.metrics = metrics;
        this.gate = gate;
        this.comparing = new ComparingGate(gate.compare(), gate.reader());
    }

    /**
     * Scans {@code root} and serves the newest version of every model (each through the gate). A model that
     * fails is logged and left out; the default model must load, or the server does not start.
     */
    public static ModelRegistry open(Path root, String defaultName, EngineSettings engineSettings, BatcherSettings batching, Spawner spawner,
            ServerMetrics metrics, Gate gate) throws ModelLoadException {
        if (!Files.isDirectory(root)) {
            throw new ModelLoadException(root, "the models directory does not exist (persite.models.directory)");
        }
        Path real;
        try {
            real = root.toRealPath();
        } catch (IOException e) {
            throw new ModelLoadException(root, "cannot resolve the models directory: " + e.getMessage());
        }
        ModelRegistry r = new ModelRegistry(real, defaultName, engineSettings, batching, spawner, metrics, gate);
        for (String name : r.modelNames()) {
            try {
                List<Integer> versions = r.versions(name);
                if (!versions.isEmpty()) {
                    r.highestSeen.put(name, versions.get(versions.size() - 1));
                    r.openRecordedOrNewest(name, versions);
                }
            } catch (ModelLoadException | RuntimeException e) {
                if (name.equals(defaultName)) {
                    r.close();
                    throw e instanceof ModelLoadException mle ? mle : new ModelLoadException(root.resolve(name), e.getMessage());
                }
                LOG.error("model {} is not served: {}", name, e.getMessage());
            }
        }
        if (!r.active.containsKey(defaultName)) {
            r.close();
            throw new ModelLoadException(root.resolve(defaultName), "the default model (persite.models.default = " + defaultName
                    + ") is not in " + root.toAbsolutePath());
        }
        LOG.info("serving {} (default {})", r.active.values().stream().map(m -> m.name() + " v" + m.version()).sorted().toList(), defaultName);
        return r;
    }

    /**
     * At start: the version recorded in the model's active.json (with its rollback history), else the newest. A
     * recorded version that is gone or fails to load is logged, and the newest is served instead.
     */
    private void openRecordedOrNewest(String name, List<Integer> versions) throws ModelLoadException {
        int newest = versions.get(versions.size() - 1);
        ModelDirectory.ActiveVersion recorded = null;
        try {
            recorded = ModelDirectory.readActive(root.resolve(name));
        } catch (ModelLoadException e) {
            LOG.error("model {}: {}; serving the newest version, v{}", name, e.getMessage(), newest);
        }
        if (recorded != null && versions.contains(recorded.version())) {
            try {
                activate(name, recorded.version(), false, Activation.START);
                synchronized (admin) {
                    Deque<Integer> h = new ArrayDeque<>();
                    recorded.previous().stream().filter(versions::contains).forEach(h::addLast);
                    previous.put(name, h);
                }
                return;
            } catch (ModelLoadException | RuntimeException e) {
                LOG.error("model {}: v{}, recorded as active, does not load ({}); serving the newest version, v{}", name, recorded.version(),
                        e.getMessage(), newest);
            }
        } else if (recorded != null) {
            LOG.error("model {}: v{}, recorded as active, is not there; serving the newest version, v{}", name, recorded.version(), newest);
        }
        activate(name, newest, false, Activation.START);
    }

    /**
     * The served version of a model for one request ("" = the default model; version 0 = the active one),
     * held until {@link #release}. Never a version that is being closed.
     */
    public ServedModel acquire(String name, int version) throws UnknownModelException {
        String n = name.isEmpty() ? defaultName : name;
        while (true) {
            ServedModel m = active.get(n);
            if (m == null) {
                throw new UnknownModelException("no model named '" + n + "'; served: " + String.join(", ", new java.util.TreeSet<>(active.keySet())));
            }
            if (version != 0 && version != m.version()) {
                boolean onDisk = versions(n).contains(version);
                throw new UnknownModelException("model " + n + " version " + version + " is not served; the server serves version " + m.version()
                        + (onDisk ? " (version " + version + " is on disk but not active)" : ""));
            }
            if (m.tryAcquire()) {
                return m;
            }
            // retired between the lookup and the hold: the new version is in the map already
        }
    }

    public void release(ServedModel m) {
        m.release();
    }

    /** The active version of a model, without holding it (for descriptions). */
    public ServedModel describe(String name) throws UnknownModelException {
        ServedModel m = active.get(name.isEmpty() ? defaultName : name);
        if (m == null) {
            throw new UnknownModelException("no model named '" + name + "'");
        }
        return m;
    }

    public String defaultName() {
        return defaultName;
    }

    public Collection<ServedModel> all() {
        return List.copyOf(active.values());
    }

    /** The models directory (real path). */
    public Path root() {
        return root;
    }

    /**
     * Makes {@code name} version {@code version} the one served: load (checksum, element table), open and warm
     * an ONNX Runtime session for every bucket, pass the gate, then switch atomically. Requests already holding
     * the old version finish on it; it closes after the last. On any failure the old version keeps serving.
     *
     * @return the newly active version
     * @throws ModelLoadException with the reason it was refused
     */
    public ServedModel activate(String name, int version) throws ModelLoadException {
        return activate(name, version, false);
    }

    /**
     * As {@link #activate(String, int)}; with {@code force} the comparison with the active version and the
     * per-element baseline check are skipped (the other checks still apply), and the log and the version's gate
     * report say that the gate was forced.
     */
    public ServedModel activate(String name, int version, boolean force) throws ModelLoadException {
        return activate(name, version, true, force ? Activation.FORCED : Activation.GATED);
    }

    /** As {@link #activate(String, int)}; {@code record} writes the change to the model's active.json. */
    private ServedModel activate(String name, int version, boolean record, Activation why) throws ModelLoadException {
        synchronized (admin) {
            Path dir = versionDir(name, version);
            ServedModel current = active.get(name);
            if (current != null && current.version() == version) {
                return current;
            }
            LoadedModel loaded = ModelDirectory.load(dir);
            if (!loaded.spec().name().equals(name) || loaded.spec().version() != version) {
                throw new ModelLoadException(dir, "its card says " + loaded.spec().name() + " v" + loaded.spec().version() + ", not " + name + " v"
                        + version);
            }
            if (current != null) {
                checkCompatible(dir, current.model(), loaded);
            }
            OnnxInferenceEngine engine;
            String report;
            try {
                engine = OnnxInferenceEngine.open(loaded, engineSettings.device(), engineSettings.requireGpu(), engineSettings.intraOpThreads());
            } catch (InferenceException e) {
                throw new ModelLoadException(dir, e.getMessage());
            }
            try {
                if (engineSettings.warmUp()) {
                    engine.warmUp(batching.buckets());
                }
                smokeTest(dir, loaded, engine);
                switch (why) {
                    case GATED -> {
                        if (current != null) {
                            checkValidationMae(dir, current.model(), loaded);
                        }
                        report = "passed: " + comparing.check(dir, root.resolve(name), loaded, engine, current);
                    }
                    case FORCED -> {
                        report = "FORCED past the comparison by Activate(force)" + (current == null ? "" : " over the active v" + current.version());
                        LOG.warn("model {}: v{} activation gate FORCED (the comparison with the active version and the baseline check were skipped)",
                                name, version);
                    }
                    case ROLLBACK -> report = "rolled back to" + (current == null ? "" : " from v" + current.version()) + "; not compared";
                    case START -> report = "served at start (" + (ModelDirectory.ACTIVE_FILE) + " or newest); not compared";
                    default -> throw new IllegalStateException();
                }
            } catch (ModelLoadException | InferenceException | RuntimeException e) {
                engine.close();
                throw e instanceof ModelLoadException mle ? mle : new ModelLoadException(dir, "failed the gate: " + e.getMessage());
            }
            ActorRef<Batcher.Command> batcher = spawner.spawn(Batcher.create(engine, batching, metrics.batcherListener(name)),
                    "batcher-" + name + "-" + version + "-" + System.nanoTime(), Props.empty());
            ServedModel next = new ServedModel(loaded, engine, batcher, report);
            active.put(name, next); // the switch: new requests take the new version from here on
            if (current != null) {
                previous.computeIfAbsent(name, k -> new ArrayDeque<>()).push(current.version());
                current.retire();
                LOG.info("model {}: v{} is live, v{} retired ({} requests still on it); gate {}", name, version, current.version(), current.users(),
                        report);
            } else {
                LOG.info("model {}: v{} is live; gate {}", name, version, report);
            }
            metrics.activeVersion.labelValues(name).set(version);
            if (record) {
                record(name);
            }
            return next;
        }
    }

    /** Goes back to the version that was active before the current one (through the same gate). */
    public ServedModel rollback(String name) throws ModelLoadException, UnknownModelException {
        synchronized (admin) {
            Deque<Integer> history = previous.get(name);
            if (!active.containsKey(name)) {
                throw new UnknownModelException("no model named '" + name + "'");
            }
            int current = active.get(name).version();
            int target;
            if (history != null && !history.isEmpty()) {
                target = history.pop();
            } else {
                // no recorded history: the highest version on disk below the active one
                target = versions(name).stream().filter(v -> v < current).reduce((a, b) -> b)
                        .orElseThrow(() -> new ModelLoadException(root.resolve(name), "there is no earlier version to roll back to"));
            }
            ServedModel now = activate(name, target, false, Activation.ROLLBACK);
            // activate() pushed the version we left; a rollback must not make it the next rollback target twice
            previous.get(name).pop();
            record(name);
            return now;
        }
    }

    /**
     * Looks for versions newer than the active ones (and new model folders) and activates them: Triton's poll
     * mode. A version that fails the gate is logged once and not retried (a newer version is tried when it appears).
     */
    public void poll(Map<String, Integer> refused) {
        for (String name : modelNames()) {
            List<Integer> versions = versions(name);
            if (versions.isEmpty()) {
                continue;
            }
            int newest = versions.get(versions.size() - 1);
            ServedModel m = active.get(name);
            // only a version newer than any seen before: a rollback below the newest is not undone by the next poll
            Integer seen = highestSeen.put(name, Math.max(newest, highestSeen.getOrDefault(name, 0)));
            if ((m == null || (seen == null || newest > seen) && newest > m.version()) && !Integer.valueOf(newest).equals(refused.get(name))) {
                try {
                    activate(name, newest);
                } catch (ModelLoadException | RuntimeException e) {
                    refused.put(name, newest);
                    LOG.error("model {} v{} was not activated: {}", name, newest, e.getMessage());
                }
            }
        }
    }

    /** Writes the model's active version and rollback history to its active.json; a failure is logged, serving goes on. */
    private void record(String name) {
        ServedModel m = active.get(name);
        Deque<Integer> h = previous.getOrDefault(name, new ArrayDeque<>());
        try {
            ModelDirectory.writeActive(root.resolve(name), new ModelDirectory.ActiveVersion(m.version(), List.copyOf(h)));
        } catch (IOException e) {
            LOG.warn("model {}: v{} is live, but {} could not be written ({}): a restart would serve the recorded or newest version", name,
                    m.version(), ModelDirectory.ACTIVE_FILE, e.getMessage());
        }
    }

    /** Every integer version folder of a model, ascending (empty for an unknown or unsafe name). */
    public List<Integer> versions(String name) {
        if (!safeName(name)) {
            return List.of();
        }
        Path dir = root.resolve(name);
        List<Integer> out = new ArrayList<>();
        if (!confined(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> Files.isDirectory(p) && confined(p)).map(p -> p.getFileName().toString()).filter(f -> f.matches("\\d{1,9}"))
                    .forEach(f -> out.add(Integer.parseInt(f)));
        } catch (IOException e) {
            return List.of();
        }
        out.sort(null);
        return out;
    }

    private List<String> modelNames() {
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(ModelRegistry::safeName)
                    .filter(n -> confined(root.resolve(n))).sorted().toList();
        } catch (IOException e) {
            LOG.error("cannot list {}: {}", root, e.getMessage());
            return List.of();
        }
    }

    /** The folder of a version, checked to lie inside the models directory. */
    Path versionDir(String name, int version) throws ModelLoadException {
        if (!safeName(name)) {
            throw new ModelLoadException(root, "'" + name + "' is not a model name (letters, digits, '.', '_', '-'; no path)");
        }
        if (version < 1) {
            throw new ModelLoadException(root.resolve(name), "versions are positive integers, got " + version);
        }
        Path dir = root.resolve(name).resolve(Integer.toString(version));
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir)) {
            throw new ModelLoadException(dir, "no such model version");
        }
        if (!confined(dir)) {
            throw new ModelLoadException(dir, "the model folder leads outside the models directory (a symbolic link?); refused");
        }
        return dir;
    }

    static boolean safeName(String name) {
        return name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}") && !name.contains("..");
    }

    /** True when the real path of {@code p} (links followed) is inside the models directory. */
    private boolean confined(Path p) {
        try {
            return p.toRealPath().startsWith(root);
        } catch (IOException e) {
            return false;
        }
    }

    /** The new version must speak to clients as the old one did: same properties and units, same element table. */
    private static void checkCompatible(Path dir, LoadedModel current, LoadedModel next) throws ModelLoadException {
        List<String> a = outputs(current);
        List<String> b = outputs(next);
        if (!a.equals(b)) {
            throw new ModelLoadException(dir, "incompatible: it predicts " + b + " but the active version predicts " + a);
        }
        String ta = current.spec().featurizer().elementTableId();
        String tb = next.spec().featurizer().elementTableId();
        if (!ta.equals(tb)) {
            throw new ModelLoadException(dir, "incompatible featurizer: element table " + tb + ", the active version uses " + ta);
        }
    }

    private static List<String> outputs(LoadedModel m) {
        return m.spec().properties().stream().map(p -> p.name() + " [" + p.unit() + "]").toList();
    }

    /** A prediction of the shipped example structures must be finite. */
    private void smokeTest(Path dir, LoadedModel loaded, OnnxInferenceEngine engine) throws ModelLoadException, InferenceException {
        if (gate.smokeStructures().isEmpty()) {
            return;
        }
        CrystalGraphBuilder builder = new CrystalGraphBuilder(loaded.spec().featurizer());
        List<CrystalGraph> graphs = gate.smokeStructures().stream().map(builder::build).toList();
        List<float[]> out = engine.predictAll(graphs, batching.buckets(), batching.maxBatchAtoms());
        for (int k = 0; k < out.size(); k++) {
            for (float v : out.get(k)) {
                if (!Float.isFinite(v)) {
                    throw new ModelLoadException(dir, "failed the gate: it predicts " + v + " for " + gate.smokeStructures().get(k).source());
                }
            }
        }
    }

    /** Optionally: its validation MAE is no worse than the active version's by more than the configured fraction. */
    private void checkValidationMae(Path dir, LoadedModel current, LoadedModel next) throws ModelLoadException {
        if (!(gate.maxValidationMaeIncrease() >= 0)) {
            return;
        }
        Double a = current.spec().metrics().get("validation_mae");
        Double b = next.spec().metrics().get("validation_mae");
        if (a == null || b == null) {
            return;
        }
        if (b > a * (1 + gate.maxValidationMaeIncrease())) {
            throw new ModelLoadException(dir, String.format(java.util.Locale.ROOT,
                    "failed the gate: validation MAE %.4f is worse than the active version's %.4f by more than %.0f%% "
                            + "(persite.models.gate.max-validation-mae-increase)", b, a, 100 * gate.maxValidationMaeIncrease()));
        }
    }

    /** A request named a model or version that the server does not serve. */
    public static final class UnknownModelException extends Exception {
        private static final long serialVersionUID = 1L;

        UnknownModelException(String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        active.values().forEach(ServedModel::close);
    }
}
