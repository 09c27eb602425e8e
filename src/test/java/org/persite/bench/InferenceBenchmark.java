package org.persite.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.persite.graph.CellListOverlapFinder;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.ElementTable;
import org.persite.graph.GaussianExpansion;
import org.persite.inference.Buckets;
import org.persite.inference.Device;
import org.persite.inference.InferenceException;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.inference.PaddedBatch;
import org.persite.model.CgcnnHyperparameters;
import org.persite.model.CgcnnWeights;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.ModelSpec;
import org.persite.model.PropertySpec;
import org.persite.structure.Format;
import org.persite.structure.ParseResult;
import org.persite.structure.StructureLimits;
import org.persite.structure.StructureReader;

/**
 * Model compute on ONNX Runtime (CPU by default; {@code -p device=auto} with the cuda profile on a GPU)
 * for each bucket size, with the reference shape (F 64, M 12, 3 convolutions, H 128). A batch is filled
 * with real sample_500 structures up to the bucket, as the batcher would; {@code -p shape=...} times the opt-in
 * architectures of issue 20 beside it, and {@code -p model=models/NAME/V} a shipped version as served. The score is batches/s over all
 * benchmark threads: real atoms/s = score × real atoms per batch (printed at setup).
 *
 * <p>Two set-ups, as the batcher can run them: {@code bin/bench InferenceBenchmark} is one batch at a time
 * on all cores ({@code threads = 0}); {@code bin/bench InferenceBenchmark -t 2 -p threads=1} is two batches
 * at a time, one ONNX Runtime thread each (the default, {@code max-concurrent-batches = 0}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class InferenceBenchmark {
    @Param({"64", "256", "512", "1024", "4096", "16384"})
    public int bucket;

    @Param({"cpu"})
    public String device;

    /**
     * The model's shape: {@code reference} (the paper's), {@code affine} (the per-element output affine),
     * {@code affine-bv4} (and four bond-valence channels), {@code affine-bv4-h256x2} (and a head of two 256-wide hidden
     * layers), {@code affine-bv4-h256x2-ln} (the same with LayerNorm in the convolutions), {@code bv4-h256x2-state12}
     * (the same with a 12-bin state head in place of the affine), {@code conv4} (a fourth convolution), {@code f96} (F 96).
     */
    @Param({"reference"})
    public String shape;

    /**
     * A shipped model to time instead of a random shape (its served graph, trust head included), for example
     * {@code -p model=models/magmom/5,models/magmom/7}; empty for {@code shape}.
     */
    @Param({""})
    public String model;

    /** 0 = one ONNX Runtime thread per core. */
    @Param({"0"})
    public int threads;

    private OnnxInferenceEngine engine;
    private PaddedBatch batch;
    private Path dir;

    @Setup(Level.Trial)
    public void setUp() throws IOException, InferenceException, org.persite.model.ModelLoadException {
        CgcnnHyperparameters hp = switch (shape) {
            case "reference" -> CgcnnHyperparameters.reference();
            case "affine" -> CgcnnHyperparameters.reference().withElementAffine(true);
            case "affine-bv4" -> CgcnnHyperparameters.reference().withElementAffine(true).withBondValence(4);
            case "affine-bv4-h256x2" -> new CgcnnHyperparameters(64, 3, 256, 2, org.persite.model.Activation.SOFTPLUS, true, 4);
            case "affine-bv4-h256x2-ln" -> new CgcnnHyperparameters(64, 3, 256, 2, org.persite.model.Activation.SOFTPLUS, true, 4).withLayerNorm(true);
            case "bv4-h256x2-state12" -> new CgcnnHyperparameters(64, 3, 256, 2, org.persite.model.Activation.SOFTPLUS, false, 4, 12);
            case "conv4" -> new CgcnnHyperparameters(64, 4, 128, 1);
            case "f96" -> new CgcnnHyperparameters(96, 3, 128, 1);
            default -> throw new IllegalArgumentException("unknown shape " + shape + ": reference, affine, affine-bv4, affine-bv4-h256x2, affine-bv4-h256x2-ln,"
                    + " bv4-h256x2-state12,"
                    + " conv4 or f96");
        };
        ModelSpec spec = new ModelSpec("bench", 1, hp, org.persite.graph.FeaturizerSettings.reference(),
                List.of(new PropertySpec("magmom", "μB", 0, 1)), java.util.Map.of(), java.util.Map.of());
        CgcnnWeights w = CgcnnWeights.random(hp, ElementTable.cgcnn().featureLength(), new GaussianExpansion(spec.featurizer()).size(), 1, 1);
        dir = Files.createTempDirectory("persite-bench");
        LoadedModel m = model.isEmpty() ? ModelDirectory.write(dir.resolve("m"), spec, w, ElementTable.cgcnn())
                : ModelDirectory.load(ModelDirectory.resolve(Path.of(model)));
        spec = m.spec();
        engine = OnnxInferenceEngine.open(m, Device.parse(device), false, threads);
        StructureReader reader = new StructureReader(StructureLimits.DEFAULTS, CellListOverlapFinder.INSTANCE);
        CrystalGraphBuilder b = new CrystalGraphBuilder(spec.featurizer());
        List<CrystalGraph> graphs = new ArrayList<>();
        int atoms = 0;
        outer:
        while (true) {
            for (ParseResult r : reader.readFile(Path.of("data/mp_magmom_tmo/sample_500/sample_500.jsonl"), Format.JSONL)) {
                CrystalGraph g = b.build(((ParseResult.Parsed) r).value().structure());
                if (atoms + g.numSites() > bucket) {
                    break outer;
                }
                graphs.add(g);
                atoms += g.numSites();
            }
        }
        batch = PaddedBatch.pack(graphs, new Buckets(List.of(bucket)));
        System.out.printf("%nbucket %d: %d structures, %d real atoms, padding efficiency %.4f, device %s%n", bucket, graphs.size(),
                batch.realAtoms(), batch.paddingEfficiency(), engine.device());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        engine.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One padded batch through the model; score = batches per second. */
    @Benchmark
    public float[] runBatch() throws InferenceException {
        return engine.run(batch);
    }
}
