package org.persite.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestModels;
import org.persite.TestVectors;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.FeaturizerSettings;
import org.persite.model.ModelDirectory;
import org.persite.structure.Format;
import org.persite.structure.ParseResult;
import org.persite.structure.Structure;

/**
 * A structure's predictions are the same (1e-5) alone or in any batch, at any position, with any padding;
 * a structure larger than the largest bucket runs alone at its exact size.
 */
class BatchInvarianceTest {
    @TempDir
    static Path tmp;
    static OnnxInferenceEngine engine;
    static List<CrystalGraph> graphs = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        engine = OnnxInferenceEngine.open(ModelDirectory.load(TestModels.write(tmp.resolve("m"), "m", 1, 2, 42).directory()), Device.CPU, false, 1);
        CrystalGraphBuilder b = new CrystalGraphBuilder(FeaturizerSettings.reference());
        List<ParseResult> sample = TestVectors.READER.readFile(TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl"), Format.JSONL);
        for (int k = 0; k < 40; k++) {
            graphs.add(b.build(((ParseResult.Parsed) sample.get(k)).value().structure()));
        }
        graphs.add(b.build(TestVectors.parseOne(TestVectors.input("edge-molecule-in-box.cif"))));
    }

    @AfterAll
    static void tearDown() {
        engine.close();
        graphs = new ArrayList<>();
    }

    /**
     * A masked slot adds exactly nothing, whatever atom it points at and whatever distance it holds: the graph gives
     * masked core slots a -1e20 pre-activation whose softplus is exactly 0 (no multiply by the mask), so the outputs
     * must be bit-identical when the masked slots' contents change.
     */
    @Test
    void maskedSlotsContributeExactlyNothing() throws Exception {
        CrystalGraph molecule = graphs.get(graphs.size() - 1); // CO2 in a box: most of its M slots are masked
        PaddedBatch b = PaddedBatch.pack(List.of(graphs.get(0), molecule), new Buckets(List.of(256)));
        float[] before = engine.run(b);
        int masked = 0;
        int m = b.maxNeighbors();
        for (int slot = 0; slot < b.realAtoms() * m; slot++) {
            if (b.nbrMask().get(slot) == 0f) {
                b.nbrIndex().put(slot, (slot * 7L) % b.realAtoms());  // another real atom
                b.nbrDistance().put(slot, 1.0f + (slot % 5));        // a distance well inside the cutoff
                masked++;
            }
        }
        assertTrue(masked > 0, "the batch has masked slots");
        float[] after = engine.run(b);
        assertArrayEquals(before, after, "masked slots changed a prediction");
    }

    @Test
    void predictionsDoNotDependOnBatchPositionOrPadding() throws Exception {
        Buckets buckets = new Buckets(List.of(256, 512, 1024, 2048));
        List<float[]> alone = new ArrayList<>();
        for (CrystalGraph g : graphs) {
            alone.add(engine.predictOne(g, buckets));
        }
        Random rnd = new Random(5);
        for (int trial = 0; trial < 6; trial++) {
            List<Integer> order = new ArrayList<>();
            for (int k = 0; k < graphs.size(); k++) {
                order.add(k);
            }
            Collections.shuffle(order, rnd);
            List<Integer> chosen = order.subList(0, 5 + rnd.nextInt(30));
            List<CrystalGraph> batchGraphs = chosen.stream().map(graphs::get).toList();
            PaddedBatch batch = PaddedBatch.pack(batchGraphs, buckets);
            assertTrue(batch.paddedAtoms() > batch.realAtoms() || batch.paddedAtoms() == batch.realAtoms());
            float[] out = engine.run(batch);
            for (int k = 0; k < chosen.size(); k++) {
                float[] got = batch.split(out, 2, k);
                float[] want = alone.get(chosen.get(k));
                assertEquals(want.length, got.length);
                for (int v = 0; v < want.length; v++) {
                    assertEquals(want[v], got[v], 1e-5, "trial " + trial + " graph " + chosen.get(k) + " at position " + k + " value " + v);
                }
            }
        }
        // the same graph padded into every bucket size
        CrystalGraph g = graphs.get(3);
        for (int size : new int[] {256, 512, 1024, 2048}) {
            float[] got = engine.predictOne(g, new Buckets(List.of(size)));
            for (int v = 0; v < got.length; v++) {
                assertEquals(alone.get(3)[v], got[v], 1e-5, "padded to " + size);
            }
        }
    }

    @Test
    void aStructureLargerThanTheLargestBucketRunsAloneAtItsExactSize() throws Exception {
        Structure big = TestVectors.parseOne(TestVectors.input("cod-1000041.cif")).supercell(4, 4, 5); // 640 atoms
        CrystalGraph g = new CrystalGraphBuilder(FeaturizerSettings.reference()).build(big);
        Buckets small = new Buckets(List.of(64, 128));
        PaddedBatch b = PaddedBatch.pack(List.of(g), small);
        assertEquals(640, b.paddedAtoms(), "exact size, not truncated");
        float[] out = engine.run(b);
        assertEquals(640 * 2, out.length);
        // every Na site of rock salt is equivalent: all predictions equal, none lost
        for (int i = 0; i < 640; i++) {
            assertEquals(out[g.species(i) == 11 ? 0 : 2 * 320], out[2 * i], 1e-4, "site " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> PaddedBatch.pack(List.of(g, graphs.get(0)), small),
                "several graphs may not exceed the largest bucket together");
    }

    @Test
    void predictAllSplitsEveryPropertyOfEveryGraph() throws Exception {
        List<float[]> all = engine.predictAll(graphs, Buckets.defaults(), 300); // a 2-property model, several batches
        assertEquals(graphs.size(), all.size());
        for (int k = 0; k < graphs.size(); k++) {
            float[] alone = engine.predictOne(graphs.get(k), Buckets.defaults());
            assertEquals(2 * graphs.get(k).numSites(), all.get(k).length);
            for (int v = 0; v < alone.length; v++) {
                assertEquals(alone[v], all.get(k)[v], 1e-5, "graph " + k + " value " + v);
            }
        }
    }

    @Test
    void paddingAtomsAreMaskedAndPointAtThemselves() {
        PaddedBatch b = PaddedBatch.pack(List.of(graphs.get(0)), new Buckets(List.of(256)));
        int m = b.maxNeighbors();
        for (int i = b.realAtoms(); i < b.paddedAtoms(); i++) {
            assertEquals(0, b.species().get(i));
            for (int k = 0; k < m; k++) {
                assertEquals(i, b.nbrIndex().get(i * m + k));
                assertEquals(0f, b.nbrMask().get(i * m + k));
            }
        }
        for (int i = 0; i < b.realAtoms() * m; i++) {
            assertTrue(b.nbrIndex().get(i) < b.realAtoms(), "real atoms never point at padding");
        }
    }
}
