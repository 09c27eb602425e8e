package org.persite.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestModels;
import org.persite.graph.CellListOverlapFinder;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.ElementTable;
import org.persite.inference.Buckets;
import org.persite.inference.Device;
import org.persite.inference.InferenceEngine;
import org.persite.inference.InferenceException;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.inference.PaddedBatch;
import org.persite.inference.SiteOutputs;
import org.persite.model.LoadedModel;
import org.persite.model.ReferenceForward;
import org.persite.structure.Format;
import org.persite.structure.ParseResult;
import org.persite.structure.Structure;
import org.persite.structure.StructureLimits;
import org.persite.structure.StructureReader;

/**
 * The in-process pipeline on real structures and a real ONNX Runtime session: every structure comes out once, in
 * input order across files, refusals in their place, each prediction equal to the plain-Java reference forward pass
 * of that structure alone; and a batch the engine fails costs its own structures only.
 */
class LocalPredictorTest {
    @TempDir
    Path tmp;

    private static final Path SAMPLE = Path.of("data/mp_magmom_tmo/sample_500/sample_500.jsonl");

    /** What the sink saw, in order: "ok SOURCE" or "failed MESSAGE". */
    private static final class Recorder implements LocalPredictor.Sink {
        final List<String> events = new ArrayList<>();
        final List<Structure> structures = new ArrayList<>();
        final List<SiteOutputs> outputs = new ArrayList<>();
        final String thread = Thread.currentThread().getName();

        @Override
        public void warned(String warning) {
        }

        @Override
        public void failed(String message) {
            assertEquals(thread, Thread.currentThread().getName(), "the sink runs on the caller's thread");
            events.add("failed " + message);
        }

        @Override
        public void predicted(Structure s, SiteOutputs o) {
            assertEquals(thread, Thread.currentThread().getName(), "the sink runs on the caller's thread");
            events.add("ok " + s.source());
            structures.add(s);
            outputs.add(o);
        }
    }

    /** 120 lines of sample_500 in two files, with a bad line and a bad file between them. */
    private List<Path> inputs() throws Exception {
        List<String> lines = Files.readAllLines(SAMPLE).subList(0, 120);
        List<String> first = new ArrayList<>(lines.subList(0, 60));
        first.add(30, "{\"lattice\": [[1,0,0],[0,1,0]], \"species\": [\"Fe\"], \"frac_coords\": [[0,0,0]]}");
        Path a = Files.write(tmp.resolve("a.jsonl"), first);
        Path bad = Files.writeString(tmp.resolve("b.cif"), "data_x\n_cell_length_a 3\n");
        Path c = Files.write(tmp.resolve("c.jsonl"), lines.subList(60, 120));
        return List.of(a, bad, c);
    }

    private static List<String> expectedOrder(StructureReader reader, List<Path> files) {
        List<String> order = new ArrayList<>();
        for (Path f : files) {
            for (ParseResult r : reader.readFile(f, Format.AUTO)) {
                order.add(r instanceof ParseResult.Parsed p ? "ok " + p.value().structure().source() : "failed " + ((ParseResult.Failed) r).error().getMessage());
            }
        }
        return order;
    }

    @Test
    void everyStructureOnceInInputOrderMatchingTheReferenceForwardPass() throws Exception {
        LoadedModel m = TestModels.write(tmp.resolve("m"), "m", 1, 1, 5);
        ReferenceForward ref = new ReferenceForward(m.spec(), TestModels.weights(m.spec(), 5), ElementTable.cgcnn());
        StructureReader reader = new StructureReader(StructureLimits.DEFAULTS, CellListOverlapFinder.INSTANCE);
        CrystalGraphBuilder builder = new CrystalGraphBuilder(m.spec().featurizer());
        List<Path> files = inputs();
        Recorder rec = new Recorder();
        try (OnnxInferenceEngine engine = OnnxInferenceEngine.open(m, Device.CPU, false, 1)) {
            // small batches and queues, many threads: the order must hold however the work interleaves
            new LocalPredictor(reader, builder, engine, new LocalPredictor.Settings(3, 3, 100, new Buckets(List.of(32, 64, 128, 256)), 4), 0)
                    .run(files, Format.AUTO, rec);
        }
        assertEquals(expectedOrder(reader, files), rec.events);
        assertEquals(120, rec.structures.size());
        assertEquals(2, rec.events.stream().filter(e -> e.startsWith("failed")).count());
        for (int k = 0; k < rec.structures.size(); k += 7) {
            double[] want = ref.predict(builder.build(rec.structures.get(k)));                  // [n, P]
            float[] got = rec.outputs.get(k).values();
            assertEquals(want.length, got.length);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-4 * Math.max(1, Math.abs(want[i])), rec.structures.get(k).source() + " site " + i);
            }
        }
    }

    @Test
    void aFailedBatchCostsOnlyItsOwnStructures() throws Exception {
        LoadedModel m = TestModels.write(tmp.resolve("m"), "m", 1, 1, 5);
        StructureReader reader = new StructureReader(StructureLimits.DEFAULTS, CellListOverlapFinder.INSTANCE);
        List<Path> files = inputs();
        Recorder rec = new Recorder();
        AtomicInteger batches = new AtomicInteger();
        try (OnnxInferenceEngine real = OnnxInferenceEngine.open(m, Device.CPU, false, 1)) {
            InferenceEngine failingThird = new InferenceEngine() { // the injected fault: the third batch fails
                @Override public String modelName() { return real.modelName(); }
                @Override public int modelVersion() { return real.modelVersion(); }
                @Override public int properties() { return real.properties(); }
                @Override public int maxNeighbors() { return real.maxNeighbors(); }
                @Override public void close() { }
                @Override public float[] run(PaddedBatch b) throws InferenceException {
                    if (batches.incrementAndGet() == 3) {
                        throw new InferenceException("injected fault", null);
                    }
                    return real.run(b);
                }
            };
            // one inference thread: batches are computed in input order, so the third is the third
            new LocalPredictor(reader, new CrystalGraphBuilder(m.spec().featurizer()), failingThird,
                    new LocalPredictor.Settings(2, 1, 100, new Buckets(List.of(32, 64, 128, 256)), 4), 0).run(files, Format.AUTO, rec);
        }
        long injected = rec.events.stream().filter(e -> e.contains("injected fault")).count();
        assertTrue(injected >= 1 && injected <= 100, injected + " structures lost to the failed batch");
        assertEquals(120, rec.structures.size() + injected, "every other structure is still predicted");
        assertEquals(expectedOrder(reader, files).size(), rec.events.size());
    }
}
