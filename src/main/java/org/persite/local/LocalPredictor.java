package org.persite.local;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.inference.BatchFill;
import org.persite.inference.Buckets;
import org.persite.inference.InferenceEngine;
import org.persite.inference.InferenceException;
import org.persite.inference.PaddedBatch;
import org.persite.inference.SiteOutputs;
import org.persite.structure.Format;
import org.persite.structure.ParseResult;
import org.persite.structure.Structure;
import org.persite.structure.StructureReader;

/**
 * Predicts files in this process with every core busy: three stages joined by bounded queues, so that memory
 * stays flat for any input size and the output keeps the input order.
 *
 * <ol>
 *   <li>The <b>reading</b> thread cuts the files into units ({@link StructureReader#readFileTasks}: a JSON line, or a
 *       whole file of another format) and hands each to the <b>parse pool</b>, which parses, validates and builds the
 *       crystal graph in one step.</li>
 *   <li>The <b>batching</b> thread takes the units in input order and fills batches by {@link BatchFill}; each batch
 *       runs on the <b>inference pool</b> (one ONNX Runtime call per batch, several batches at once).</li>
 *   <li>The caller's thread takes the batches in input order and hands every structure, predicted or refused, to the
 *       {@link Sink}.</li>
 * </ol>
 * A refused structure or a failed batch costs only its own structures; the rest are still predicted.
 */
public final class LocalPredictor {

    /** Where the outcomes go, in input order, all on the thread that called {@link #run}. */
    public interface Sink {
        /** A structure read with an assumption (a warning line). */
        void warned(String warning);

        /** A structure that was not predicted, and why (its source and line are in the message). */
        void failed(String message);

        /**
         * A predicted structure.
         *
         * @param outputs its sites' values [n, P], standard deviations [n, P] (ensembles) and domain scores [n]
         */
        void predicted(Structure structure, SiteOutputs outputs);
    }

    /**
     * How the work is spread.
     *
     * @param parseThreads parse + graph threads
     * @param inferenceThreads batches computed at once (each with the engine's own intra-op threads)
     * @param maxBatchAtoms real atoms per batch
     * @param buckets the padded batch sizes
     * @param queuedUnits units parsed ahead of the batching thread (the bound on memory, with {@code inferenceThreads})
     */
    public record Settings(int parseThreads, int inferenceThreads, int maxBatchAtoms, Buckets buckets, int queuedUnits) {
        public Settings {
            if (parseThreads < 1 || inferenceThreads < 1 || queuedUnits < 1) {
                throw new IllegalArgumentException("parse threads, inference threads and queued units must be at least 1");
            }
        }

        /** From {@code persite.predict} (parse-threads, 0 = one per core; queued-units) and the batcher's settings. */
        public static Settings fromConfig(com.typesafe.config.Config predict, org.persite.inference.BatcherSettings batching) {
            int threads = predict.getInt("parse-threads");
            if (threads < 0 || predict.getInt("queued-units") < 1) {
                throw new IllegalArgumentException("persite.predict.parse-threads must be >= 0 (0 = one per core) and queued-units >= 1");
            }
            return new Settings(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads, batching.maxConcurrentBatches(),
                    batching.maxBatchAtoms(), batching.buckets(), predict.getInt("queued-units"));
        }
    }

    private final StructureReader reader;
    private final CrystalGraphBuilder builder;
    private final InferenceEngine engine;
    private final Settings settings;
    private final double total;

    /** @param total each structure's conserved total (its net charge, e) for a model with a conserved sum */
    public LocalPredictor(StructureReader reader, CrystalGraphBuilder builder, InferenceEngine engine, Settings settings, double total) {
        this.reader = reader;
        this.builder = builder;
        this.engine = engine;
        this.settings = settings;
        this.total = total;
    }

    /** One structure's way through: parsed (or refused), then its graph (or why none). */
    private record Item(ParseResult parsed, CrystalGraph graph, String graphError) {
    }

    /** Structures in input order and, for those with a graph, the batch that predicts them. */
    private record Unit(List<Item> items, CompletableFuture<List<SiteOutputs>> predictions) {
        static final Unit END = new Unit(List.of(), null);
    }

    /** Reads, predicts and reports every structure of {@code files}, in order; returns when all are reported. */
    public void run(List<Path> files, Format format, Sink sink) throws InterruptedException {
        ExecutorService parsePool = Executors.newFixedThreadPool(settings.parseThreads(), daemon("persite-parse"));
        ExecutorService inferencePool = Executors.newFixedThreadPool(settings.inferenceThreads(), daemon("persite-inference"));
        BlockingQueue<CompletableFuture<List<Item>>> parsed = new ArrayBlockingQueue<>(settings.queuedUnits());
        BlockingQueue<Unit> batches = new ArrayBlockingQueue<>(settings.inferenceThreads() + 1);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread reading = new Thread(() -> read(files, format, parsePool, parsed, stop), "persite-read");
        Thread batching = new Thread(() -> batch(parsed, inferencePool, batches), "persite-batch");
        reading.setDaemon(true);
        batching.setDaemon(true);
        reading.start();
        batching.start();
        try {
            for (Unit u = batches.take(); u != Unit.END; u = batches.take()) {
                report(u, sink);
            }
        } finally {
            stop.set(true);
            reading.interrupt();
            batching.interrupt();
            parsePool.shutdownNow();
            inferencePool.shutdownNow();
        }
    }

    private void read(List<Path> files, Format format, ExecutorService pool, BlockingQueue<CompletableFuture<List<Item>>> out, java.util.concurrent.atomic.AtomicBoolean stop) {
        try {
            for (Path f : files) {
                reader.readFileTasks(f, format, task -> {
                    if (stop.get()) {
                        throw new IllegalStateException("stopped");
                    }
                    put(out, CompletableFuture.supplyAsync(() -> build(task.read()), pool));
                });
            }
        } catch (RuntimeException e) {
            if (stop.get()) {
                return;
            }
            throw e;
        } finally {
            if (!stop.get()) {
                put(out, CompletableFuture.completedFuture(null)); // the end
            }
        }
    }

    /** Parse pool: one unit's graphs. */
    private List<Item> build(List<ParseResult> results) {
        List<Item> items = new ArrayList<>(results.size());
        for (ParseResult r : results) {
            if (r instanceof ParseResult.Parsed p) {
                Structure s = p.value().structure();
                try {
                    items.add(new Item(r, builder.build(s), null));                                 // graph [n, M]
                } catch (RuntimeException e) { // a cell the featurizer cannot handle: this structure only
                    items.add(new Item(r, null, s.source() + ": cannot build the crystal graph: " + e.getMessage()));
                }
            } else {
                items.add(new Item(r, null, null));
            }
        }
        return items;
    }

    /** Batching thread: units in input order into batches. */
    private void batch(BlockingQueue<CompletableFuture<List<Item>>> in, ExecutorService pool, BlockingQueue<Unit> out) {
        List<Item> items = new ArrayList<>();
        List<CrystalGraph> graphs = new ArrayList<>();
        int atoms = 0;
        try {
            while (true) {
                List<Item> unit = in.take().join();
                if (unit == null) {
                    break;
                }
                for (Item it : unit) {
                    if (it.graph() != null) {
                        int n = it.graph().numSites();
                        if (!BatchFill.joins(graphs.size(), atoms, n, settings.maxBatchAtoms())) {
                            out.put(submit(items, graphs, pool));
                            items = new ArrayList<>();
                            graphs = new ArrayList<>();
                            atoms = 0;
                        }
                        graphs.add(it.graph());
                        atoms += n;
                    }
                    items.add(it);
                }
            }
            if (!items.isEmpty()) {
                out.put(submit(items, graphs, pool));
            }
            out.put(Unit.END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Unit submit(List<Item> items, List<CrystalGraph> graphs, ExecutorService pool) {
        if (graphs.isEmpty()) {
            return new Unit(items, CompletableFuture.completedFuture(List.of()));
        }
        double[] totals = new double[graphs.size()];
        java.util.Arrays.fill(totals, total);
        return new Unit(items, CompletableFuture.supplyAsync(() -> {
            PaddedBatch b = PaddedBatch.pack(graphs, totals, settings.buckets());   // [Npad, M] inputs
            org.persite.inference.BatchOutputs out;
            try {
                out = engine.runOutputs(b);                                            // [Npad, P] values, σ; [Npad] domain
            } catch (InferenceException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
            List<SiteOutputs> split = new ArrayList<>(graphs.size());
            for (int k = 0; k < graphs.size(); k++) {
                split.add(out.of(b, k));                                               // [n, P], [n]
            }
            return split;
        }, pool));
    }

    /** Caller's thread: one batch's structures, in order. */
    private static void report(Unit u, Sink sink) {
        List<SiteOutputs> predictions;
        String batchError = null;
        try {
            predictions = u.predictions().join();
        } catch (java.util.concurrent.CompletionException e) {
            predictions = null;
            Throwable cause = e.getCause() == null ? e : e.getCause();
            batchError = "inference failed for its batch: " + cause.getMessage();
        }
        int k = 0;
        for (Item it : u.items()) {
            if (it.parsed() instanceof ParseResult.Failed f) {
                sink.failed(f.error().getMessage());
                continue;
            }
            ParseResult.Parsed p = (ParseResult.Parsed) it.parsed();
            p.warnings().forEach(sink::warned);
            Structure s = p.value().structure();
            if (it.graph() == null) {
                sink.failed(it.graphError());
            } else if (predictions == null) {
                k++;
                sink.failed(s.source() + ": " + batchError);
            } else {
                sink.predicted(s, predictions.get(k++));
            }
        }
    }

    private static <T> void put(BlockingQueue<T> q, T item) {
        try {
            q.put(item);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("stopped", e);
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
