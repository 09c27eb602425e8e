package org.persite.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import org.persite.graph.CrystalGraph;
import org.persite.model.LoadedModel;
import org.persite.model.ModelIo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model in an ONNX Runtime session. There is one {@link OrtEnvironment} per JVM (ONNX Runtime's own
 * singleton); every tensor and result is closed with try-with-resources, and inputs are fed from the batch's
 * direct buffers without copies. {@link #run} blocks: call it from the inference dispatcher.
 */
public final class OnnxInferenceEngine implements InferenceEngine {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxInferenceEngine.class);

    static {
        // before any ai.onnxruntime class loads its native library: telemetry off (see OrtTelemetry)
        OrtTelemetry.ensureOffAndWarn(LOG);
    }

    /**
     * Held shared by every {@link #run}, and taken exclusively once by {@link #quiesceForExit} just before the JVM
     * exits. ONNX Runtime registers its own JVM shutdown hook that releases the native environment; hooks run
     * concurrently, so a session still running at exit would touch freed memory (seen: SIGSEGV in
     * libonnxruntime.so on SIGTERM during warm-up).
     */
    private static final java.util.concurrent.locks.ReentrantReadWriteLock RUNS = new java.util.concurrent.locks.ReentrantReadWriteLock();
    private static volatile boolean exiting;

    private final OrtSession session;
    /**
     * Held shared by every run of this engine and exclusively by {@link #close}: closing waits for the runs in flight,
     * and a run after it fails cleanly, so the native session is never used after it is freed (a SIGSEGV in
     * libonnxruntime.so otherwise, seen once in a test when a retired version closed under a late batch).
     */
    private final java.util.concurrent.locks.ReentrantReadWriteLock use = new java.util.concurrent.locks.ReentrantReadWriteLock();
    private boolean closed;
    private final String name;
    private final int version;
    private final int properties;
    private final int maxNeighbors;
    private final Device activeDevice;
    private final boolean uncertainty;
    private final boolean domain;
    private final boolean interval;
    private final boolean conservedSum;
    private final boolean structureIndex;

    private OnnxInferenceEngine(OrtSession session, LoadedModel model, Device activeDevice) {
        this.session = session;
        this.uncertainty = session.getOutputNames().contains(ModelIo.SITE_STD);
        this.domain = session.getOutputNames().contains(ModelIo.DOMAIN_SCORE);
        this.interval = session.getOutputNames().contains(ModelIo.SITE_INTERVAL);
        // a model with a crystal context reads each atom's structure; one with a conserved sum reads the totals too
        this.structureIndex = session.getInputNames().contains(ModelIo.SITE_STRUCTURE);
        this.conservedSum = session.getInputNames().contains(ModelIo.SITE_TOTAL);
        this.name = model.spec().name();
        this.version = model.spec().version();
        this.properties = model.spec().propertyCount();
        this.maxNeighbors = model.spec().featurizer().maxNeighbors();
        this.activeDevice = activeDevice;
    }

    /**
     * Opens a session for a loaded model.
     *
     * @param device CPU, CUDA or AUTO; CUDA and AUTO fall back to CPU with one log line when CUDA cannot
     *     start, unless {@code requireGpu}
     * @param intraOpThreads threads per operator; 0 lets ONNX Runtime use every core
     */
    public static OnnxInferenceEngine open(LoadedModel model, Device device, boolean requireGpu, int intraOpThreads) throws InferenceException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            env.setTelemetry(false); // the API's own switch too (ETW on Windows); the POSIX client obeys only the variable
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // flush subnormal floats to zero: x86 computes on them about 100x slower (measured: 144 -> 77 ms per
            // 4,096-atom batch); values below 1.2e-38 change no prediction
            options.addConfigEntry("session.set_denormal_as_zero", "1");
            if (intraOpThreads > 0) {
                options.setIntraOpNumThreads(intraOpThreads);
            }
            Device active = Device.CPU;
            if (device != Device.CPU) {
                try {
                    options.addCUDA(0);
                    active = Device.CUDA;
                } catch (OrtException | RuntimeException e) {
                    if (requireGpu) {
                        throw new InferenceException("CUDA was required (persite.inference.require-gpu) but cannot start: " + e.getMessage(), e);
                    }
                    LOG.warn("CUDA execution provider unavailable ({}); running model {} v{} on CPU", oneLine(e), model.spec().name(), model.spec().version());
                }
            }
            OrtSession session = env.createSession(model.onnx(), options);
            LOG.info("model {} v{} loaded on {} ({} properties, M = {}{})", model.spec().name(), model.spec().version(), active,
                    model.spec().propertyCount(), model.spec().featurizer().maxNeighbors(),
                    !session.getOutputNames().contains(ModelIo.SITE_STD) ? ""
                            : model.spec().trust().residualStd() != null && model.spec().trust().uncertainty() == null
                                    ? ", per-site standard deviation from its validation errors"
                            : ", ensemble with per-site standard deviation");
            return new OnnxInferenceEngine(session, model, active);
        } catch (OrtException e) {
            throw new InferenceException("ONNX Runtime cannot load model " + model.directory() + ": " + e.getMessage(), e);
        }
    }

    private static String oneLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** The device actually in use. */
    public Device device() {
        return activeDevice;
    }

    @Override
    public String modelName() {
        return name;
    }

    @Override
    public int modelVersion() {
        return version;
    }

    @Override
    public int properties() {
        return properties;
    }

    @Override
    public int maxNeighbors() {
        return maxNeighbors;
    }

    @Override
    public boolean hasUncertainty() {
        return uncertainty;
    }

    @Override
    public boolean hasDomainScore() {
        return domain;
    }

    @Override
    public boolean hasInterval() {
        return interval;
    }

    /** Whether the model corrects each structure's sum to a total taken from the batch. */
    public boolean conservesSum() {
        return conservedSum;
    }

    @Override
    public float[] run(PaddedBatch b) throws InferenceException {
        return guarded(b, () -> runLocked(b));
    }

    /** A run of this engine: blocks, may fail with {@link InferenceException}. */
    @FunctionalInterface
    private interface Guarded<T> {
        T run() throws InferenceException;
    }

    /**
     * Runs {@code run} on the session, holding the JVM-wide and this engine's run locks: it fails cleanly when the JVM is
     * exiting or the engine was closed, and a close waits for it.
     */
    private <T> T guarded(PaddedBatch b, Guarded<T> run) throws InferenceException {
        if (b.maxNeighbors() != maxNeighbors) {
            throw new InferenceException("batch has M = " + b.maxNeighbors() + ", model " + name + " needs " + maxNeighbors, null);
        }
        if (exiting || !RUNS.readLock().tryLock()) {
            throw new InferenceException("ONNX Runtime is closing: the JVM is exiting", null);
        }
        use.readLock().lock();
        try {
            if (closed) {
                throw new InferenceException("model " + name + " v" + version + " was unloaded", null);
            }
            return run.run();
        } finally {
            use.readLock().unlock();
            RUNS.readLock().unlock();
        }
    }

    /** Each output kind read straight into its own array: no interleaving, no split afterwards. */
    @Override
    public BatchOutputs runOutputs(PaddedBatch b) throws InferenceException {
        return guarded(b, () -> runSession(b, (result, n) -> new BatchOutputs(properties, read(result, ModelIo.SITE_VALUES),        // [Npad, P]
                uncertainty ? read(result, ModelIo.SITE_STD) : null, domain ? read(result, ModelIo.DOMAIN_SCORE) : null,            // [Npad, P], [Npad]
                interval ? read(result, ModelIo.SITE_INTERVAL) : null)));                                                        // [Npad, 2P]
    }

    private static float[] read(OrtSession.Result result, String output) {
        FloatBuffer buf = ((OnnxTensor) result.get(output).orElseThrow()).getFloatBuffer();
        float[] a = new float[buf.remaining()];
        buf.get(a);
        return a;
    }

    /**
     * Stops every engine of this JVM for good: new runs fail at once, and this waits (at most {@code wait}) for
     * the runs in flight to end. Call it just before {@link System#exit}; returns whether they all ended.
     */
    public static boolean quiesceForExit(java.time.Duration wait) {
        exiting = true;
        try {
            return RUNS.writeLock().tryLock(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** What to read from a session's result; runs with the session's result open. */
    @FunctionalInterface
    private interface ResultReader<T> {
        T read(OrtSession.Result result, long paddedAtoms) throws OrtException;
    }

    private float[] runLocked(PaddedBatch b) throws InferenceException {
        return runSession(b, (result, n) -> {
            FloatBuffer out = ((OnnxTensor) result.get(ModelIo.SITE_VALUES).orElseThrow()).getFloatBuffer(); // [Npad, P]
            if (!uncertainty && !domain && !interval) {
                float[] values = new float[out.remaining()];
                out.get(values);
                return values;
            }
            FloatBuffer std = uncertainty ? ((OnnxTensor) result.get(ModelIo.SITE_STD).orElseThrow()).getFloatBuffer() : null; // [Npad, P]
            FloatBuffer dom = domain ? ((OnnxTensor) result.get(ModelIo.DOMAIN_SCORE).orElseThrow()).getFloatBuffer() : null;  // [Npad]
            FloatBuffer bounds = interval ? ((OnnxTensor) result.get(ModelIo.SITE_INTERVAL).orElseThrow()).getFloatBuffer() : null; // [Npad, 2P]
            int w = outputsPerSite();
            int boundsAt = layout().intervalColumn();
            float[] rows = new float[(int) n * w];                                                           // [Npad, C]
            for (int a = 0; a < n; a++) {
                out.get(rows, a * w, properties);
                if (std != null) {
                    std.get(rows, a * w + properties, properties);
                }
                if (bounds != null) {
                    bounds.get(rows, a * w + boundsAt, 2 * properties);
                }
                if (dom != null) {
                    rows[a * w + w - 1] = dom.get(a);
                }
            }
            return rows;
        });
    }

    /**
     * One named float output of the graph for a batch, flat (for example a fitting-only output such as the last
     * hidden layer [Npad, H]).
     */
    public float[] runOutput(PaddedBatch b, String output) throws InferenceException {
        if (!session.getOutputNames().contains(output)) {
            throw new InferenceException("model " + name + " has no output " + output, null);
        }
        return guarded(b, () -> runSession(b, (result, n) -> read(result, output)));
    }

    private <T> T runSession(PaddedBatch b, ResultReader<T> reader) throws InferenceException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long n = b.paddedAtoms();
        long[] nm = {n, maxNeighbors};
        try (OnnxTensor species = OnnxTensor.createTensor(env, b.species(), new long[] {n});
                OnnxTensor index = OnnxTensor.createTensor(env, b.nbrIndex(), nm);
                OnnxTensor distance = OnnxTensor.createTensor(env, b.nbrDistance(), nm);
                OnnxTensor mask = OnnxTensor.createTensor(env, b.nbrMask(), nm);
                OnnxTensor structure = structureIndex ? OnnxTensor.createTensor(env, b.siteStructure(), new long[] {n}) : null;
                OnnxTensor total = conservedSum ? OnnxTensor.createTensor(env, b.siteTotal(), new long[] {n}) : null) {
            Map<String, OnnxTensor> inputs = new java.util.HashMap<>(Map.of(ModelIo.SPECIES, species, ModelIo.NBR_INDEX, index,
                    ModelIo.NBR_DISTANCE, distance, ModelIo.NBR_MASK, mask));
            if (structureIndex) {
                inputs.put(ModelIo.SITE_STRUCTURE, structure);
            }
            if (conservedSum) {
                inputs.put(ModelIo.SITE_TOTAL, total);
            }
            try (OrtSession.Result result = session.run(inputs)) {
                return reader.read(result, n);
            }
        } catch (OrtException e) {
            throw new InferenceException("inference failed for a batch of " + n + " atoms: " + e.getMessage(), e);
        }
    }

    /**
     * Runs one all-padding batch of every bucket size, so that ONNX Runtime has planned every shape before
     * real traffic arrives. Returns the warm-up time in milliseconds.
     */
    public long warmUp(Buckets buckets) throws InferenceException {
        long t0 = System.nanoTime();
        for (int size : buckets.sizes()) {
            run(PaddedBatch.padding(size, maxNeighbors));
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        LOG.info("model {} v{} warmed up on buckets {} in {} ms", name, version, buckets, ms);
        return ms;
    }

    /**
     * Predictions [n·C] for each graph, in order (C = {@link #outputsPerSite()}), computed in padded batches of at most
     * {@code maxBatchAtoms} real atoms (a larger graph runs alone).
     */
    public List<float[]> predictAll(List<CrystalGraph> graphs, Buckets buckets, int maxBatchAtoms) throws InferenceException {
        return predictAll(graphs, null, buckets, maxBatchAtoms);
    }

    /** As {@link #predictAll(List, Buckets, int)}, with each graph's conserved total (null: all 0). */
    public List<float[]> predictAll(List<CrystalGraph> graphs, double[] totals, Buckets buckets, int maxBatchAtoms) throws InferenceException {
        List<float[]> out = new java.util.ArrayList<>(graphs.size());
        int from = 0;
        while (from < graphs.size()) {
            int to = from;
            int atoms = 0;
            while (to < graphs.size() && BatchFill.joins(to - from, atoms, graphs.get(to).numSites(), maxBatchAtoms)) {
                atoms += graphs.get(to++).numSites();
            }
            PaddedBatch b = PaddedBatch.pack(graphs.subList(from, to), totals == null ? null : java.util.Arrays.copyOfRange(totals, from, to), buckets);
            float[] values = run(b);
            for (int k = 0; k < b.graphs(); k++) {
                out.add(b.split(values, outputsPerSite(), k));
            }
            from = to;
        }
        return out;
    }

    /** Predictions [n·C] for one graph, alone in its own batch (C = {@link #outputsPerSite()}). */
    public float[] predictOne(CrystalGraph g, Buckets buckets) throws InferenceException {
        PaddedBatch b = PaddedBatch.pack(List.of(g), buckets);
        return b.split(run(b), outputsPerSite(), 0);
    }

    /** Closes the session once the runs in flight have ended; later runs fail with "unloaded". Idempotent. */
    @Override
    public void close() {
        use.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            session.close();
        } catch (OrtException e) {
            LOG.warn("closing the session of model {} v{}: {}", name, version, e.getMessage());
        } finally {
            use.writeLock().unlock();
        }
    }
}
