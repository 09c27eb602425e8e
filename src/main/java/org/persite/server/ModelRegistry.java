package org.persite.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
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
 * The lifecycle of the served versions: which version of each model is live, and the moves between them. A version is
 * made live by {@link #activate}: <b>load, warm, gate, then switch</b> (Triton issue #2076 unloaded first and went
 * down; here the old version serves until the new one has passed the gate, and closes only when its last request is
 * answered). Requests hold a version with {@link #acquire} / {@link #release}. What is on disk is the
 * {@link ModelRepository}'s; what a version must pass is the {@link ActivationGate}'s.
 */
public final class ModelRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);

    private final ModelRepository repository;
    private final String defaultName;
    private final EngineSettings engineSettings;
    private final BatcherSettings batching;
    private final Spawner spawner;
    private final ServerMetrics metrics;
    private final ActivationGate gate;
    private final Map<String, ServedModel> active = new ConcurrentHashMap<>();
    private final Map<String, Deque<Integer>> previous = new HashMap<>();
    /** Per model, the highest version folder seen so far: poll activates only versions above it. */
    private final Map<String, Integer> highestSeen = new ConcurrentHashMap<>();
    private final Object admin = new Object(); // one activation at a time
    /** Cluster swaps only: versions gated in phase 1 and not yet committed, by name and version. */
    private final Map<String, ServedModel> staged = new ConcurrentHashMap<>();
    /** Cluster swaps only: versions replaced by a commit, still served to requests that name them until their grace ends. */
    private final Map<String, ServedModel> draining = new ConcurrentHashMap<>();

    private ModelRegistry(ModelRepository repository, String defaultName, EngineSettings engineSettings, BatcherSettings batching, Spawner spawner,
            ServerMetrics metrics, ActivationGate gate) {
        this.repository = repository;
        this.defaultName = defaultName;
        this.engineSettings = engineSettings;
        this.batching = batching;
        this.spawner = spawner;
        this.metrics = metrics;
        this.gate = gate;
    }

    /**
     * Scans {@code root} and serves the newest version of every model (each through the gate). A model that
     * fails is logged and left out; the default model must load, or the server does not start.
     */
    public static ModelRegistry open(ModelRepository repository, String defaultName, EngineSettings engineSettings, BatcherSettings batching,
            Spawner spawner, ServerMetrics metrics, ActivationGate gate) throws ModelLoadException {
        Path root = repository.root();
        ModelRegistry r = new ModelRegistry(repository, defaultName, engineSettings, batching, spawner, metrics, gate);
        for (String name : repository.modelNames()) {
            try {
                List<Integer> versions = repository.versions(name);
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
            recorded = repository.recordedActive(name);
        } catch (ModelLoadException e) {
            LOG.error("model {}: {}; serving the newest version, v{}", name, e.getMessage(), newest);
        }
        if (recorded != null && versions.contains(recorded.version())) {
            try {
                activate(name, recorded.version(), false, ActivationGate.Activation.START);
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
        activate(name, newest, false, ActivationGate.Activation.START);
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
                ServedModel other = staged.get(key(n, version));
                if (other == null) {
                    other = draining.get(key(n, version));
                }
                if (other != null && other.tryAcquire()) {
                    return other;
                }
                boolean onDisk = repository.versions(n).contains(version);
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
        return repository.root();
    }

    /** What is on disk. */
    public ModelRepository repository() {
        return repository;
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
        return activate(name, version, true, force ? ActivationGate.Activation.FORCED : ActivationGate.Activation.GATED);
    }

    /** As {@link #activate(String, int)}; {@code record} writes the change to the model's active.json. */
    private ServedModel activate(String name, int version, boolean record, ActivationGate.Activation why) throws ModelLoadException {
        synchronized (admin) {
            ServedModel current = active.get(name);
            if (current != null && current.version() == version) {
                return current;
            }
            ServedModel next = load(name, version, why, current);
            switchTo(name, next, record);
            if (current != null) {
                current.retire();
                LOG.info("model {}: v{} retired ({} requests still on it)", name, current.version(), current.users());
            }
            return next;
        }
    }

    /** Load (checksum, element table), open and warm a session for every bucket, pass the gate; not yet served. */
    private ServedModel load(String name, int version, ActivationGate.Activation why, ServedModel current) throws ModelLoadException {
        Path dir = repository.versionDir(name, version);
        LoadedModel loaded = ModelDirectory.load(dir);
        if (!loaded.spec().name().equals(name) || loaded.spec().version() != version) {
            throw new ModelLoadException(dir, "its card says " + loaded.spec().name() + " v" + loaded.spec().version() + ", not " + name + " v"
                    + version);
        }
        gate.checkCompatible(dir, current, loaded);
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
            report = gate.check(why, dir, repository.modelDir(name), loaded, engine, current);
        } catch (ModelLoadException | InferenceException | RuntimeException e) {
            engine.close();
            throw e instanceof ModelLoadException mle ? mle : new ModelLoadException(dir, "failed the gate: " + e.getMessage());
        }
        ActorRef<Batcher.Command> batcher = spawner.spawn(Batcher.create(engine, batching, metrics.batcherListener(name)),
                "batcher-" + name + "-" + version + "-" + System.nanoTime(), Props.empty());
        return new ServedModel(loaded, engine, batcher, report);
    }

    /** The switch: new requests take {@code next} from here on; the version it replaces goes on the rollback history. */
    private void switchTo(String name, ServedModel next, boolean record) {
        ServedModel current = active.put(name, next);
        if (current != null) {
            previous.computeIfAbsent(name, k -> new ArrayDeque<>()).push(current.version());
            LOG.info("model {}: v{} is live, in place of v{}; gate {}", name, next.version(), current.version(), next.gateReport());
        } else {
            LOG.info("model {}: v{} is live; gate {}", name, next.version(), next.gateReport());
        }
        metrics.activeVersion.labelValues(name).set(next.version());
        if (current != null) {
            metrics.modelServed(name, current.version(), current.model().sha256(), false);
        }
        metrics.modelServed(name, next.version(), next.model().sha256(), true);
        if (record) {
            record(name);
        }
    }

    /**
     * A cluster swap's phase 1 on this node: loads, warms and gates {@code name} v{@code version} as
     * {@link #activate} does, but does not serve it to requests that do not name it. Requests that name the version
     * (jobs pinned to it by a front that has already switched) may use it. {@link #commit} makes it the active one,
     * {@link #abort} closes it.
     *
     * @throws ModelLoadException with the reason it was refused
     */
    public void stage(String name, int version, boolean force, boolean rollback) throws ModelLoadException {
        synchronized (admin) {
            ServedModel current = active.get(name);
            if ((current != null && current.version() == version) || staged.containsKey(key(name, version))) {
                return;
            }
            ActivationGate.Activation why = rollback ? ActivationGate.Activation.ROLLBACK
                    : force ? ActivationGate.Activation.FORCED : ActivationGate.Activation.GATED;
            ServedModel drainingOne = draining.get(key(name, version));
            staged.put(key(name, version), drainingOne != null && drainingOne.tryAcquire() ? backFromDraining(drainingOne) : load(name, version, why, current));
        }
    }

    private ServedModel backFromDraining(ServedModel held) { // a version still draining is staged again as it is (it was gated before)
        draining.values().remove(held);
        held.release();
        return held;
    }

    /**
     * A cluster swap's phase 2 on this node: the staged version becomes the active one. The version it replaces is
     * kept for requests that name it (a job dispatched before a front saw the switch, or resent from a dead worker)
     * for {@code drainGrace}, then retires and closes after its last request.
     *
     * @param later runs a task after a delay (the actor system's scheduler)
     */
    public ServedModel commit(String name, int version, boolean rollback, Duration drainGrace,
            java.util.function.BiConsumer<Duration, Runnable> later) throws ModelLoadException {
        synchronized (admin) {
            ServedModel current = active.get(name);
            if (current != null && current.version() == version) {
                return current;
            }
            ServedModel next = staged.get(key(name, version)); // removed after the switch: always in one map or the other
            if (next == null) {
                throw new ModelLoadException(repository.versionDir(name, version), "was not staged on this node (phase 1 of the swap did not run here)");
            }
            String k = current == null ? null : key(name, current.version());
            if (current != null) { // before the switch: a request naming the old version must find it in one map or the other
                draining.put(k, current);
            }
            switchTo(name, next, true);
            staged.remove(key(name, version));
            if (rollback) { // as rollback(): neither the version we left nor the one we went back to stays on the history
                Deque<Integer> h = previous.get(name);
                h.pop();
                if (!h.isEmpty() && h.peek() == version) {
                    h.pop();
                }
                record(name);
            }
            if (current != null) {
                later.accept(drainGrace, () -> {
                    synchronized (admin) {
                        if (draining.remove(k, current)) {
                            current.retire();
                            LOG.info("model {}: v{} retired after its drain grace of {} ({} requests still on it)", name, current.version(), drainGrace,
                                    current.users());
                        }
                    }
                });
            }
            return next;
        }
    }

    /** A cluster swap was aborted: the staged version closes (after any request that named it); the active one serves on. */
    public void abort(String name, int version) {
        synchronized (admin) {
            ServedModel s = staged.remove(key(name, version));
            if (s != null) {
                s.retire();
                LOG.info("model {}: the swap to v{} was aborted; v{} serves on", name, version, active.containsKey(name) ? active.get(name).version() : 0);
            }
        }
    }

    /** The version a rollback of {@code name} would go to: the one active before, else the highest on disk below the active one. */
    public int rollbackTarget(String name) throws ModelLoadException, UnknownModelException {
        synchronized (admin) {
            ServedModel m = active.get(name);
            if (m == null) {
                throw new UnknownModelException("no model named '" + name + "'");
            }
            Deque<Integer> history = previous.get(name);
            if (history != null && !history.isEmpty()) {
                return history.peek();
            }
            return repository.versions(name).stream().filter(v -> v < m.version()).reduce((a, b) -> b)
                    .orElseThrow(() -> new ModelLoadException(repository.modelDir(name), "there is no earlier version to roll back to"));
        }
    }

    /** Versions loaded on this node beside the active ones: staged by a swap in progress, or draining after one. */
    public List<String> otherLoadedVersions(String name) {
        synchronized (admin) {
            List<String> out = new ArrayList<>();
            staged.values().stream().filter(m -> m.name().equals(name)).forEach(m -> out.add("v" + m.version() + " (staged)"));
            draining.values().stream().filter(m -> m.name().equals(name)).forEach(m -> out.add("v" + m.version() + " (draining)"));
            return out;
        }
    }

    private static String key(String name, int version) {
        return name + "\u0000" + version;
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
                target = repository.versions(name).stream().filter(v -> v < current).reduce((a, b) -> b)
                        .orElseThrow(() -> new ModelLoadException(repository.modelDir(name), "there is no earlier version to roll back to"));
            }
            ServedModel now = activate(name, target, false, ActivationGate.Activation.ROLLBACK);
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
    public void poll(Map<String, Integer> refused, ModelActivation via) {
        for (String name : repository.modelNames()) {
            List<Integer> versions = repository.versions(name);
            if (versions.isEmpty()) {
                continue;
            }
            int newest = versions.get(versions.size() - 1);
            ServedModel m = active.get(name);
            // only a version newer than any seen before: a rollback below the newest is not undone by the next poll
            Integer seen = highestSeen.put(name, Math.max(newest, highestSeen.getOrDefault(name, 0)));
            if ((m == null || (seen == null || newest > seen) && newest > m.version()) && !Integer.valueOf(newest).equals(refused.get(name))) {
                try {
                    via.activate(name, newest, false);
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
            repository.recordActive(name, new ModelDirectory.ActiveVersion(m.version(), List.copyOf(h)));
        } catch (IOException e) {
            LOG.warn("model {}: v{} is live, but {} could not be written ({}): a restart would serve the recorded or newest version", name,
                    m.version(), ModelDirectory.ACTIVE_FILE, e.getMessage());
        }
    }

    /** Every integer version folder of a model on disk, ascending. */
    public List<Integer> versions(String name) {
        return repository.versions(name);
    }

    /** A request named a model or version that the server does not serve. */
    public static final class UnknownModelException extends Exception {
        private static final long serialVersionUID = 1L;

        public UnknownModelException(String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        active.values().forEach(ServedModel::close);
        staged.values().forEach(ServedModel::close);
        draining.values().forEach(ServedModel::close);
    }
}
