package org.persite.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.persite.TestModels;
import org.persite.TestVectors;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.ElementTable;
import org.persite.inference.Buckets;
import org.persite.inference.Device;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.structure.Format;
import org.persite.structure.ParseResult;
import org.persite.structure.Structure;

/**
 * ONNX Runtime running the written graph agrees with the naive plain-Java forward pass to 1e-4 relative,
 * for several seeded random models and shapes, on the test vectors and on real structures from data/.
 */
class OnnxMatchesReferenceTest {
    @TempDir
    static Path tmp;

    static List<Structure> structures = new ArrayList<>();

    @BeforeAll
    static void load() {
        for (String name : List.of("cod-1000041.cif", "edge-molecule-in-box.cif", "edge-triclinic-skewed.cif", "edge-simple-cubic-1atom.cif",
                "mp-sk11803.cif", "cod-7206075.cif")) {
            structures.add(TestVectors.parseOne(TestVectors.input(name)));
        }
        List<ParseResult> sample = TestVectors.READER.readFile(TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl"), Format.JSONL);
        for (int k = 0; k < sample.size(); k += 50) {
            structures.add(((ParseResult.Parsed) sample.get(k)).value().structure());
        }
    }

    @AfterAll
    static void clear() {
        structures = new ArrayList<>();
    }

    /**
     * |a - b| <= 1e-4 · max(|b|, std): relative, where values near zero (y · std + mean cancelling) are
     * measured against the property's own scale, its training std.
     */
    static void assertClose(double expected, double actual, double scale, String what) {
        double tol = 1e-4 * Math.max(Math.abs(expected), scale);
        assertTrue(Math.abs(expected - actual) <= tol, what + ": reference " + expected + ", onnx " + actual + " (tolerance " + tol + ")");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void referenceShapedRandomModels(long seed) throws Exception {
        check(TestModels.spec("rand" + seed, 1, CgcnnHyperparameters.reference(), seed == 3 ? 2 : 1), seed);
    }

    @Test
    void otherShapes() throws Exception {
        check(TestModels.spec("small", 1, new CgcnnHyperparameters(16, 1, 8, 0), 2), 7);
        check(TestModels.spec("deep", 1, new CgcnnHyperparameters(32, 4, 48, 2), 1), 8);
    }

    /** The opt-in SiLU activation: graph and reference forward pass agree, and the card keeps it. */
    @Test
    void siluModels() throws Exception {
        check(TestModels.spec("silu", 1, CgcnnHyperparameters.reference().with(Activation.SILU), 2), 9);
        check(TestModels.spec("silu-small", 1, new CgcnnHyperparameters(16, 2, 8, 0, Activation.SILU), 1), 10);
        assertEquals(Activation.SILU, ModelDirectory.load(tmp.resolve("silu")).spec().hyperparameters().activation());
        assertEquals(Activation.SOFTPLUS, ModelDirectory.load(tmp.resolve("small")).spec().hyperparameters().activation(),
                "a card without the key is softplus");
    }

    @Test
    void elementAffineModels() throws Exception {
        check(TestModels.spec("affine", 1, CgcnnHyperparameters.reference().withElementAffine(true), 1), 11);
        check(TestModels.spec("affine-two", 1, new CgcnnHyperparameters(16, 2, 8, 1).withElementAffine(true), 2), 12);
        check(TestModels.spec("affine-silu", 1, new CgcnnHyperparameters(16, 2, 8, 1, Activation.SILU, true), 1), 13);
        assertEquals(true, ModelDirectory.load(tmp.resolve("affine")).spec().hyperparameters().elementAffine(), "the card keeps element_affine");
    }

    @Test
    void elementAffineChangesTheOutputPerElement() {
        // the affine is not a no-op: the same weights without the tables give other values, by element
        ModelSpec spec = TestModels.spec("affine", 1, CgcnnHyperparameters.reference().withElementAffine(true), 1);
        CgcnnWeights w = TestModels.weights(spec, 11);
        CgcnnWeights plain = new CgcnnWeights(w.embedding(), w.conv(), w.hidden(), w.out(), w.batchNormEps());
        ModelSpec plainSpec = TestModels.spec("plain", 1, CgcnnHyperparameters.reference(), 1);
        CrystalGraph g = new CrystalGraphBuilder(spec.featurizer()).build(structures.get(0));
        double[] with = new ReferenceForward(spec, w, ElementTable.cgcnn()).predict(g);
        double[] without = new ReferenceForward(plainSpec, plain, ElementTable.cgcnn()).predict(g);
        PropertySpec prop = spec.properties().get(0);
        for (int i = 0; i < g.numSites(); i++) {
            int z = g.species(i);
            double normalised = (without[i] - prop.mean()) / prop.std();
            double expected = (normalised * w.elementAffine().scale(z, 0) + w.elementAffine().shift(z, 0)) * prop.std() + prop.mean();
            assertClose(expected, with[i], prop.std(), "site " + i + " (Z " + z + ")");
        }
    }

    @Test
    void bondValenceModels() throws Exception {
        check(TestModels.spec("bv", 1, CgcnnHyperparameters.reference().withBondValence(4), 1), 14);
        check(TestModels.spec("bv-affine-silu", 1, new CgcnnHyperparameters(16, 2, 8, 1, Activation.SILU, true, 1), 2), 15);
        check(TestModels.spec("bv-no-conv", 1, new CgcnnHyperparameters(16, 0, 8, 1).withBondValence(3), 1), 16);
        assertEquals(4, ModelDirectory.load(tmp.resolve("bv")).spec().hyperparameters().bondValenceChannels(), "the card keeps bond_valence_channels");
        assertEquals(0, ModelDirectory.load(tmp.resolve("small")).spec().hyperparameters().bondValenceChannels(), "a card without the key has none");
    }

    @Test
    void layerNormModels() throws Exception {
        check(TestModels.spec("layer-norm", 1, CgcnnHyperparameters.reference().withElementAffine(true).withBondValence(4).withLayerNorm(true), 1), 23);
        check(TestModels.spec("layer-norm-silu-two", 1, new CgcnnHyperparameters(16, 2, 8, 1, Activation.SILU).withLayerNorm(true), 2), 24);
        check(TestModels.spec("layer-norm-wide-head", 1, new CgcnnHyperparameters(32, 3, 64, 2).withLayerNorm(true), 1), 25);
        assertTrue(ModelDirectory.load(tmp.resolve("layer-norm")).spec().hyperparameters().layerNorm(), "the card keeps normalisation: layer");
        assertFalse(ModelDirectory.load(tmp.resolve("layer-norm")).spec().hyperparameters().withLayerNorm(false).layerNorm());
    }

    /**
     * The crystal context (each site's head also reads its crystal's mean): one crystal at a time, and many crystals
     * packed into one padded batch, where a mean over the batch instead of the crystal, or over padding, would fail.
     */
    @Test
    void crystalContextModels() throws Exception {
        CgcnnHyperparameters hp = CgcnnHyperparameters.reference().withElementAffine(true).withBondValence(4).withCrystalContext(true);
        check(TestModels.spec("context", 1, hp, 1), 27);
        check(TestModels.spec("context-silu-two", 1, new CgcnnHyperparameters(16, 2, 8, 1, Activation.SILU).withCrystalContext(true), 2), 28);
        check(TestModels.spec("context-no-hidden", 1, new CgcnnHyperparameters(16, 2, 8, 0).withCrystalContext(true), 1), 29);
        ModelSpec spec = ModelDirectory.load(tmp.resolve("context")).spec();
        assertTrue(spec.hyperparameters().crystalContext(), "the card keeps crystal_context");
        assertFalse(spec.hyperparameters().withCrystalContext(false).crystalContext());
        CgcnnWeights w = TestModels.weights(spec, 27);
        ReferenceForward ref = new ReferenceForward(spec, w, ElementTable.cgcnn());
        CrystalGraphBuilder builder = new CrystalGraphBuilder(spec.featurizer());
        List<CrystalGraph> graphs = structures.stream().map(builder::build).toList();
        try (OnnxInferenceEngine engine = OnnxInferenceEngine.open(ModelDirectory.load(tmp.resolve("context")), Device.CPU, false, 1)) {
            List<float[]> batched = engine.predictAll(graphs, Buckets.defaults(), 100_000);
            for (int c = 0; c < graphs.size(); c++) {
                double[] expected = ref.predict(graphs.get(c));
                for (int k = 0; k < expected.length; k++) {
                    assertClose(expected[k], batched.get(c)[k * engine.outputsPerSite()], spec.properties().get(0).std(),
                            "batched crystal " + c + " site " + k);
                }
            }
        }
    }

    @Test
    void stateHeadModels() throws Exception {
        // S odd: near-uniform random logits put no bin's cumulative probability near 1/2
        check(TestModels.spec("state", 1, CgcnnHyperparameters.reference().withBondValence(4).withStateBins(5), 1), 17);
        check(TestModels.spec("state-two-properties-silu", 1, new CgcnnHyperparameters(16, 2, 8, 1, Activation.SILU).withStateBins(3), 2), 18);
        check(TestModels.spec("state-no-hidden", 1, new CgcnnHyperparameters(16, 1, 8, 0).withStateBins(7), 1), 19);
        assertEquals(5, ModelDirectory.load(tmp.resolve("state")).spec().hyperparameters().stateBins(), "the card keeps state_bins");
    }

    /**
     * The bond-valence sum of rock-salt MgO (a = 4.2 Å), worked by hand: each ion has 6 counter-ions at a/2 and, of its 12
     * like ions at a/√2, 6 fill the remaining slots (M = 12). With R0(Mg-O) = 1.693 Å (Brown and Altermatt's value, as
     * r_Mg = 1.0 plus r_O = 0.693) and b = 0.37 Å, Mg's first shell sums to 6 exp((1.693 - 2.1) / 0.37) = 1.997, close to
     * its oxidation state 2, as the method promises. A model with nothing but the channel (F = K = 1, no convolution, an
     * identity head) outputs softplus(log(1 + V)) = log(2 + V), so ONNX Runtime's V is read back as e^y - 2.
     */
    @Test
    void bondValenceSumOfRockSaltByHand() throws Exception {
        String poscar = """
                MgO rock salt
                1.0
                4.2 0 0
                0 4.2 0
                0 0 4.2
                Mg O
                4 4
                Direct
                0 0 0
                0.5 0.5 0
                0.5 0 0.5
                0 0.5 0.5
                0.5 0 0
                0 0.5 0
                0 0 0.5
                0.5 0.5 0.5
                """;
        Structure mgo = ((ParseResult.Parsed) TestVectors.READER.read("MgO", Format.POSCAR, poscar).get(0)).value().structure();
        CgcnnHyperparameters hp = new CgcnnHyperparameters(1, 0, 1, 0).withBondValence(1);
        ModelSpec spec = new ModelSpec("bv-mgo", 1, hp, org.persite.graph.FeaturizerSettings.reference(), List.of(new PropertySpec("bvs", "v.u.", 0, 1)),
                java.util.Map.of("weights", "hand-set (test only)"), java.util.Map.of());
        int a = ElementTable.cgcnn().featureLength();
        float[] radius = new float[119];
        java.util.Arrays.fill(radius, 0.9f);
        radius[12] = 1.0f;
        radius[8] = 0.693f;
        CgcnnWeights w = new CgcnnWeights(new CgcnnWeights.Linear(1, a, new float[a], new float[1]), List.of(), List.of(),
                new CgcnnWeights.Linear(1, 1, new float[] {1f}, new float[] {0f}), 1e-5, null,
                new CgcnnWeights.BondValence(119, 1, radius, new CgcnnWeights.Linear(1, 1, new float[] {1f}, new float[] {0f})));
        double a2 = 2.1;
        double like = 4.2 / Math.sqrt(2);
        double counter = 6 * Math.exp((1.693 - a2) / 0.37);
        double magnesium = counter + 6 * Math.exp((2.0 - like) / 0.37);
        double oxygen = counter + 6 * Math.exp((1.386 - like) / 0.37);
        assertEquals(1.997, counter, 5e-4, "Mg's first shell alone is about its oxidation state");
        LoadedModel model = ModelDirectory.write(tmp.resolve(spec.name()), spec, w, ElementTable.cgcnn());
        CrystalGraph g = new CrystalGraphBuilder(spec.featurizer()).build(mgo);
        double[] reference = new ReferenceForward(spec, w, ElementTable.cgcnn()).predict(g);
        try (OnnxInferenceEngine engine = OnnxInferenceEngine.open(ModelDirectory.load(model.directory()), Device.CPU, false, 1)) {
            float[] y = engine.predictOne(g, Buckets.defaults());
            for (int i = 0; i < g.numSites(); i++) {
                double expected = g.species(i) == 12 ? magnesium : oxygen;
                assertEquals(expected, Math.exp(y[i]) - 2, 1e-4 * expected, "ONNX, site " + i + " (Z " + g.species(i) + ")");
                assertEquals(expected, Math.exp(reference[i]) - 2, 1e-6 * expected, "reference, site " + i);
            }
        }
    }

    private void check(ModelSpec spec, long seed) throws Exception {
        CgcnnWeights w = TestModels.weights(spec, seed);
        LoadedModel model = ModelDirectory.write(tmp.resolve(spec.name()), spec, w, ElementTable.cgcnn());
        ReferenceForward ref = new ReferenceForward(spec, w, ElementTable.cgcnn());
        CrystalGraphBuilder builder = new CrystalGraphBuilder(spec.featurizer());
        try (OnnxInferenceEngine engine = OnnxInferenceEngine.open(ModelDirectory.load(model.directory()), Device.CPU, false, 1)) {
            for (Structure s : structures) {
                CrystalGraph g = builder.build(s);
                double[] expected = ref.predict(g);
                float[] actual = engine.predictOne(g, Buckets.defaults());
                assertEquals(expected.length, actual.length);
                for (int k = 0; k < expected.length; k++) {
                    double scale = spec.properties().get(k % spec.propertyCount()).std();
                    assertClose(expected[k], actual[k], scale, spec.name() + " " + s.source() + " site " + k / spec.propertyCount());
                }
            }
        }
    }
}
