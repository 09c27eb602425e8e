package org.persite.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestModels;
import org.persite.TestVectors;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.ElementTable;
import org.persite.inference.Buckets;
import org.persite.inference.Device;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.inference.SiteOutputs;
import org.persite.structure.Format;
import org.persite.structure.ParseResult;
import org.persite.train.DomainFitter;
import org.persite.train.SiteMetrics;

/**
 * The trust head in ONNX Runtime agrees with the plain-Java oracle ({@link ReferenceForward} and
 * {@link TrustMath}, double precision) on random models and real structures: non-negative values, a conserved
 * sum per structure with its own total (several structures in one padded batch), the domain score, and an
 * ensemble's recalibrated, capped σ with variance-weighted sums.
 */
class TrustHeadMatchesReferenceTest {
    @TempDir
    static Path tmp;

    static List<CrystalGraph> graphs = new ArrayList<>();
    static final ElementTable TABLE = ElementTable.cgcnn();
    static final boolean[] TM = new boolean[TABLE.maxAtomicNumber() + 1];

    @BeforeAll
    static void load() {
        CrystalGraphBuilder b = new CrystalGraphBuilder(org.persite.graph.FeaturizerSettings.reference());
        List<ParseResult> sample = TestVectors.READER.readFile(TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl"), Format.JSONL);
        for (int k = 0; k < sample.size(); k += 45) {
            graphs.add(b.build(((ParseResult.Parsed) sample.get(k)).value().structure()));
        }
        graphs.add(b.build(TestVectors.parseOne(TestVectors.input("cod-1000041.cif"))));
        for (int z = 0; z < TM.length; z++) {
            TM[z] = SiteMetrics.isTransitionMetal(z);
        }
    }

    /** A domain summary fitted (in Java) on the reference latents of the first half of the graphs. */
    static DomainSummary summary(ReferenceForward ref, int width) {
        List<float[]> rows = new ArrayList<>();
        List<Integer> species = new ArrayList<>();
        for (CrystalGraph g : graphs.subList(0, graphs.size() / 2)) {
            double[][] h = ref.latent(g);
            for (int i = 0; i < h.length; i++) {
                float[] r = new float[width];
                for (int c = 0; c < width; c++) {
                    r[c] = (float) h[i][c];
                }
                rows.add(r);
                species.add(g.species(i));
            }
        }
        float[] flat = new float[rows.size() * width];
        for (int s = 0; s < rows.size(); s++) {
            System.arraycopy(rows.get(s), 0, flat, s * width, width);
        }
        return DomainFitter.fit(new org.persite.train.DomainFitter.Latents(width, flat, species.stream().mapToInt(Integer::intValue).toArray()),
                8, 0.99, TABLE.maxAtomicNumber() + 1);
    }

    static Trust.Domain card() {
        return new Trust.Domain("latent-mahalanobis-pca", 8, 0.99, 2, 0.99, 0.5, Map.of("O", 100L));
    }

    @Test
    void nonNegativeValuesAndDomainScoresMatchTheOracle() throws Exception {
        ModelSpec base = TestModels.spec("trust-nn", 1, CgcnnHyperparameters.reference(), 1);
        CgcnnWeights w = TestModels.weights(base, 11);
        // a mean that puts about half the raw predictions below 0, so the constraint has work to do
        ReferenceForward centred = new ReferenceForward(base.withTrust(Trust.NONE, List.of(new PropertySpec("magmom", "μB", 0, 0.81)), base.provenance()),
                w, TABLE);
        List<Double> raw0 = new ArrayList<>();
        for (CrystalGraph g : graphs) {
            for (double v : centred.predict(g)) {
                raw0.add(v);
            }
        }
        double median = DomainFitter.quantile(raw0, 0.5);
        ModelSpec spec = base.withTrust(new Trust(card(), null, "uniform"),
                List.of(new PropertySpec("magmom", "μB", -median, 0.81, PropertySpec.Constraint.NON_NEGATIVE)), base.provenance());
        ReferenceForward ref = new ReferenceForward(spec, w, TABLE);
        DomainSummary d = summary(ref, spec.hyperparameters().hiddenWidth());
        byte[] onnx = OnnxTrustHead.apply(OnnxCgcnnWriter.write(spec, w, TABLE), spec, d, null, TM);
        LoadedModel m = ModelDirectory.write(tmp.resolve("nn"), spec, onnx, false);
        int negativeRaw = 0;
        try (OnnxInferenceEngine e = OnnxInferenceEngine.open(ModelDirectory.load(m.directory()), Device.CPU, false, 1)) {
            assertTrue(e.hasDomainScore());
            List<float[]> rows = e.predictAll(graphs, Buckets.defaults(), 1024);
            for (int k = 0; k < graphs.size(); k++) {
                SiteOutputs o = e.layout().split(rows.get(k));
                CrystalGraph g = graphs.get(k);
                double[] raw = ref.predict(g);
                double[] want = ref.predictConstrained(g, 0);
                int[] species = new int[g.numSites()];
                for (int i = 0; i < species.length; i++) {
                    species[i] = g.species(i);
                }
                double[] score = TrustMath.domainScores(d, ref.latent(g), species);
                for (int i = 0; i < g.numSites(); i++) {
                    negativeRaw += raw[i] < 0 ? 1 : 0;
                    assertTrue(o.values()[i] >= 0, "a negative |m| " + o.values()[i]);
                    OnnxMatchesReferenceTest.assertClose(want[i], o.values()[i], 0.81, "value " + k + "/" + i);
                    OnnxMatchesReferenceTest.assertClose(score[i], o.domain()[i], 1e-2, "domain score " + k + "/" + i);
                }
            }
        }
        assertTrue(negativeRaw > 20, "the raw model predicts negative values on " + negativeRaw + " sites: too few to test the constraint");
    }

    /** A summary fitted (in Java) on the first-shell descriptors of the first half of the graphs. */
    static DomainSummary environmentSummary(int components) {
        int d = SiteEnvironment.width(TABLE);
        List<CrystalGraph> fit = graphs.subList(0, graphs.size() / 2);
        int n = fit.stream().mapToInt(CrystalGraph::numSites).sum();
        float[] flat = new float[n * d];
        int[] species = new int[n];
        int at = 0;
        for (CrystalGraph g : fit) {
            System.arraycopy(SiteEnvironment.describe(g, TABLE), 0, flat, at * d, g.numSites() * d);
            System.arraycopy(g.species(), 0, species, at, g.numSites());
            at += g.numSites();
        }
        return DomainFitter.fit(new DomainFitter.Latents(d, flat, species), components, 0.99, TABLE.maxAtomicNumber() + 1);
    }

    @Test
    void theDomainScoreIsTheLargerOfTheLatentsAndTheFirstShellsAsTheOracleSays() throws Exception {
        ModelSpec base = TestModels.spec("trust-env", 1, CgcnnHyperparameters.reference(), 1);
        CgcnnWeights w = TestModels.weights(base, 13);
        Trust.Domain card = new Trust.Domain(Trust.Domain.LATENT_AND_ENVIRONMENT, 8, 0.99, 2, 0.99, 0.5, Map.of("O", 100L), 16);
        ModelSpec spec = base.withTrust(new Trust(card, null, "uniform"),
                List.of(new PropertySpec("magmom", "μB", 0.5, 0.81, PropertySpec.Constraint.NON_NEGATIVE)), base.provenance());
        ReferenceForward ref = new ReferenceForward(spec, w, TABLE);
        DomainSummary latent = summary(ref, spec.hyperparameters().hiddenWidth());
        DomainSummary environment = environmentSummary(16);
        byte[] onnx = OnnxTrustHead.apply(OnnxCgcnnWriter.write(spec, w, TABLE), spec, latent, environment, TABLE, null, TM);
        LoadedModel m = ModelDirectory.write(tmp.resolve("env"), spec, onnx, false);
        LoadedModel loaded = ModelDirectory.load(m.directory());
        assertEquals(card, loaded.spec().trust().domain(), "the card keeps the environment's components");
        int environmentLarger = 0;
        int latentLarger = 0;
        try (OnnxInferenceEngine e = OnnxInferenceEngine.open(loaded, Device.CPU, false, 1)) {
            List<float[]> rows = e.predictAll(graphs, Buckets.defaults(), 1024);
            for (int k = 0; k < graphs.size(); k++) {
                CrystalGraph g = graphs.get(k);
                int[] species = g.species();
                double[][] h = ref.latent(g);
                double[][] env = SiteEnvironment.describeRows(g, TABLE);
                double[] want = TrustMath.domainScores(latent, environment, h, env, species);
                double[] fromLatent = TrustMath.domainScores(latent, h, species);
                SiteOutputs o = e.layout().split(rows.get(k));
                for (int i = 0; i < g.numSites(); i++) {
                    OnnxMatchesReferenceTest.assertClose(want[i], o.domain()[i], 1e-2, "domain score " + k + "/" + i);
                    if (want[i] > fromLatent[i] * 1.01) {
                        environmentLarger++;
                    } else {
                        latentLarger++;
                    }
                }
            }
        }
        assertTrue(environmentLarger > 20 && latentLarger > 20, "each summary decides some sites (first shell " + environmentLarger
                + ", latent " + latentLarger + "): otherwise the test would not see one of them missing");
        // the card must say which score the graph computes
        ModelSpec latentOnly = spec.withTrust(new Trust(card(), null, "uniform"), spec.properties(), spec.provenance());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> OnnxTrustHead.apply(OnnxCgcnnWriter.write(latentOnly, w, TABLE), latentOnly, latent, environment, TABLE, null, TM));
    }

    /**
     * A single model's σ from validation residuals: the served σ is table[element, bin of the served value] as
     * {@link Trust.ResidualStd#std} says (edges at the quartiles of the positive served values, so every bin is used; O and Mn with
     * σ of their own, the others their class's), the values are those of the same graph without it, the card keeps the
     * table, and stripping the head takes the σ output away with it.
     */
    @Test
    void aSingleModelsSigmaFromResidualsIsItsElementsAndBinsAsTheOracleSays() throws Exception {
        ModelSpec base = TestModels.spec("trust-residual", 1, CgcnnHyperparameters.reference(), 1);
        CgcnnWeights w = TestModels.weights(base, 17);
        ModelSpec plainSpec = base.withTrust(new Trust(card(), null, "uniform"),
                List.of(new PropertySpec("magmom", "μB", 0.5, 0.81, PropertySpec.Constraint.NON_NEGATIVE)), base.provenance());
        ReferenceForward ref = new ReferenceForward(plainSpec, w, TABLE);
        DomainSummary d = summary(ref, plainSpec.hyperparameters().hiddenWidth());
        byte[] network = OnnxCgcnnWriter.write(plainSpec, w, TABLE);
        List<SiteOutputs> plainOut = new ArrayList<>();
        try (OnnxInferenceEngine e = OnnxInferenceEngine.open(ModelDirectory.write(tmp.resolve("residual-plain"), plainSpec,
                OnnxTrustHead.apply(network, plainSpec, d, null, TM), false), Device.CPU, false, 1)) {
            assertTrue(!e.hasUncertainty());
            for (float[] row : e.predictAll(graphs, Buckets.defaults(), 1024)) {
                plainOut.add(e.layout().split(row));
            }
        }
        List<Double> served = new ArrayList<>();
        for (SiteOutputs o : plainOut) {
            for (float v : o.values()) {
                if (v > 0) { // the clamped zeros all fall in bin 0
                    served.add((double) v);
                }
            }
        }
        double[] edges = {DomainFitter.quantile(served, 0.25), DomainFitter.quantile(served, 0.5), DomainFitter.quantile(served, 0.75)};
        // with a one-sided interval: O's offsets one-sided upwards, Mn's downwards, the classes' around 0
        Trust.Interval interval = new Trust.Interval(0.05, Map.of("O", new double[] {-0.01, 0, -0.02, -0.03}, "Mn", new double[] {-1, -2, -3, -4}),
                Map.of("O", new double[] {0.1, 0.2, 0.3, 0.4}, "Mn", new double[] {0.5, 0.25, 0.125, 0}), new double[] {-0.9, 0.8}, new double[] {-0.07, 0.06});
        Trust.ResidualStd r = new Trust.ResidualStd(edges, Map.of("O", new double[] {0.01, 0.02, 0.03, 0.04}, "Mn", new double[] {1, 2, 3, 4}),
                0.7, 0.05, 200, interval);
        ModelSpec spec = plainSpec.withTrust(plainSpec.trust().withResidualStd(r), plainSpec.properties(), plainSpec.provenance());
        byte[] onnx = OnnxTrustHead.apply(network, spec, d, null, TM);
        LoadedModel loaded = ModelDirectory.load(ModelDirectory.write(tmp.resolve("residual"), spec, onnx, true).directory());
        assertEquals(r, loaded.spec().trust().residualStd(), "the card keeps the table");
        // a card whose edges do not ascend is refused on load, saying so
        Path bad = tmp.resolve("residual-bad");
        ModelDirectory.write(bad, spec, onnx, true);
        java.nio.file.Path card = bad.resolve(ModelDirectory.CARD_FILE);
        com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode)
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(card.toFile());
        ((com.fasterxml.jackson.databind.node.ArrayNode) json.path("trust").path("residual_std").path("edges")).set(0, 99.0);
        java.nio.file.Files.writeString(card, json.toString());
        ModelLoadException refused = org.junit.jupiter.api.Assertions.assertThrows(ModelLoadException.class, () -> ModelDirectory.load(bad));
        assertTrue(refused.getMessage().contains("ascending"), refused.getMessage());
        int[] perBin = new int[4];
        int own = 0;
        try (OnnxInferenceEngine e = OnnxInferenceEngine.open(loaded, Device.CPU, false, 1)) {
            assertTrue(e.hasUncertainty());
            List<float[]> rows = e.predictAll(graphs, Buckets.defaults(), 1024);
            for (int k = 0; k < graphs.size(); k++) {
                CrystalGraph g = graphs.get(k);
                SiteOutputs o = e.layout().split(rows.get(k));
                SiteOutputs plain = plainOut.get(k);
                for (int i = 0; i < g.numSites(); i++) {
                    assertEquals(plain.values()[i], o.values()[i], 0f, "the values are the plain graph's " + k + "/" + i);
                    double want = r.std(g.species(i), TM[g.species(i)], o.values()[i]);
                    assertEquals(want, o.std()[i], 1e-6 * want, "σ " + k + "/" + i + " (" + org.persite.structure.Elements.symbol(g.species(i))
                            + ", value " + o.values()[i] + ")");
                    perBin[r.bin(o.values()[i])]++;
                    own += r.elementBins().containsKey(org.persite.structure.Elements.symbol(g.species(i))) ? 1 : 0;
                }
                // the interval [Npad, 2]: the value plus its group's offsets, cut at 0 (a non-negative property)
                float[] bounds = e.runOutput(org.persite.inference.PaddedBatch.pack(List.of(g), Buckets.defaults()), ModelIo.SITE_INTERVAL);
                for (int i = 0; i < g.numSites(); i++) {
                    double[] want = r.interval(g.species(i), TM[g.species(i)], o.values()[i]);
                    assertEquals(Math.max(0, want[0]), bounds[2 * i], 1e-6, "lower bound " + k + "/" + i);
                    assertEquals(Math.max(0, want[1]), bounds[2 * i + 1], 1e-6, "upper bound " + k + "/" + i);
                }
            }
        }
        for (int b = 0; b < 4; b++) {
            assertTrue(perBin[b] > 20, "bin " + b + " holds " + perBin[b] + " sites: every bin must be seen");
        }
        assertTrue(own > 50, own + " sites of O and Mn");
        byte[] stripped = OnnxTrustHead.strip(onnx);
        try (OnnxInferenceEngine e = OnnxInferenceEngine.open(ModelDirectory.write(tmp.resolve("residual-stripped"),
                plainSpec.withTrust(Trust.NONE, plainSpec.properties(), plainSpec.provenance()), stripped, false), Device.CPU, false, 1)) {
            assertTrue(!e.hasUncertainty() && !e.hasDomainScore(), "the stripped graph has the network's outputs alone");
        }
    }

    @Test
    void conservedSumsMeetEachStructuresOwnTotalInOneBatch() throws Exception {
        conservedSums("q", CgcnnHyperparameters.reference());
    }

    /** A network with the crystal context reads site_structure itself: the trust head shares that input, and strip keeps it. */
    @Test
    void conservedSumsOfACrystalContextModelShareItsStructureInput() throws Exception {
        byte[] onnx = conservedSums("q-context", CgcnnHyperparameters.reference().withCrystalContext(true));
        List<String> inputs = org.persite.model.onnx.OnnxProto.ModelProto.parseFrom(onnx).getGraph().getInputList().stream()
                .map(v -> v.getName()).toList();
        assertEquals(1, inputs.stream().filter(ModelIo.SITE_STRUCTURE::equals).count(), "one site_structure input: " + inputs);
        List<String> plain = org.persite.model.onnx.OnnxProto.ModelProto.parseFrom(OnnxTrustHead.strip(onnx)).getGraph().getInputList().stream()
                .map(v -> v.getName()).toList();
        assertEquals(List.of(ModelIo.SPECIES, ModelIo.NBR_INDEX, ModelIo.NBR_DISTANCE, ModelIo.NBR_MASK, ModelIo.SITE_STRUCTURE), plain,
                "stripped of the trust head, the network keeps the input it reads, and loses site_total");
    }

    /** The conserved-sum check for one shape; returns the graph. */
    private byte[] conservedSums(String name, CgcnnHyperparameters hp) throws Exception {
        ModelSpec base = TestModels.spec("trust-" + name, 1, hp, 1);
        CgcnnWeights w = TestModels.weights(base, 12);
        ModelSpec spec = base.withTrust(Trust.NONE, List.of(new PropertySpec("charge", "e", 0.2, 0.6, PropertySpec.Constraint.CONSERVED_SUM)),
                base.provenance());
        ReferenceForward ref = new ReferenceForward(spec, w, TABLE);
        byte[] onnx = OnnxTrustHead.apply(OnnxCgcnnWriter.write(spec, w, TABLE), spec, null, null, TM);
        LoadedModel m = ModelDirectory.write(tmp.resolve(name), spec, onnx, false);
        double[] totals = new double[graphs.size()];
        for (int k = 0; k < totals.length; k++) {
            totals[k] = (k % 5) - 2; // -2 .. +2 e
        }
        try (OnnxInferenceEngine e = OnnxInferenceEngine.open(ModelDirectory.load(m.directory()), Device.CPU, false, 1)) {
            assertTrue(e.conservesSum());
            // several structures per padded batch: each one's sum is its own
            List<float[]> rows = e.predictAll(graphs, totals, Buckets.defaults(), 1024);
            for (int k = 0; k < graphs.size(); k++) {
                double[] want = ref.predictConstrained(graphs.get(k), totals[k]);
                double sum = 0;
                double rawSum = 0;
                for (int i = 0; i < want.length; i++) {
                    sum += rows.get(k)[i];
                    rawSum += ref.predict(graphs.get(k))[i];
                    OnnxMatchesReferenceTest.assertClose(want[i], rows.get(k)[i], 0.6, "charge " + k + "/" + i);
                }
                assertEquals(totals[k], sum, 1e-4, "structure " + k + " sums to " + sum);
                assertTrue(Math.abs(rawSum - totals[k]) > 1e-2, "the raw sum already met the total: the test would not see a missing correction");
            }
        }
        return onnx;
    }

    @Test
    void anEnsemblesSigmaIsRecalibratedPerElementOrClassCappedAndWeightsItsSums() throws Exception {
        ModelSpec base = TestModels.spec("trust-ens", 1, CgcnnHyperparameters.reference(), 1);
        List<CgcnnWeights> ws = List.of(TestModels.weights(base, 21), TestModels.weights(base, 22), TestModels.weights(base, 23));
        // O has its own scale, every other element its class's
        Trust.Uncertainty u = new Trust.Uncertainty(1.7, 0.6, 0.9, java.util.Map.of("O", 0.01));
        ModelSpec spec = base.withTrust(new Trust(card(), u, "variance"),
                List.of(new PropertySpec("charge", "e", 0.1, 0.6, PropertySpec.Constraint.CONSERVED_SUM)), base.provenance());
        List<ReferenceForward> refs = ws.stream().map(w -> new ReferenceForward(spec, w, TABLE)).toList();
        DomainSummary d = summary(refs.get(0), spec.hyperparameters().hiddenWidth());
        byte[] ensemble = OnnxEnsembleWriter.write(spec, ws.stream().map(w -> OnnxCgcnnWriter.write(spec, w, TABLE)).toList());
        byte[] onnx = OnnxTrustHead.apply(ensemble, spec, d, u, TM);
        LoadedModel m = ModelDirectory.write(tmp.resolve("ens"), spec, onnx, true);
        int capped = 0;
        int ownScale = 0;
        try (OnnxInferenceEngine e = OnnxInferenceEngine.open(ModelDirectory.load(m.directory()), Device.CPU, false, 1)) {
            assertTrue(e.hasUncertainty() && e.hasDomainScore() && e.conservesSum());
            List<float[]> rows = e.predictAll(graphs, Buckets.defaults(), 1024);
            for (int k = 0; k < graphs.size(); k++) {
                CrystalGraph g = graphs.get(k);
                int n = g.numSites();
                double[][] meanAndSd = membersMeanAndSpread(refs, g);
                double[] mean = meanAndSd[0];
                double[] sd = meanAndSd[1];
                int[] species = g.species();
                double[] std = TrustMath.calibrateStd(u, sd, species, TM);
                double[] want = TrustMath.constrain(spec, mean, std, 0);
                double[] score = TrustMath.domainScores(d, refs.get(0).latent(g), species);
                SiteOutputs o = e.layout().split(rows.get(k));
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    sum += o.values()[i];
                    capped += std[i] >= u.cap() ? 1 : 0;
                    if (species[i] == 8 && std[i] < u.cap()) {
                        ownScale++;
                        assertEquals(0.01 * sd[i], o.std()[i], 1e-4 * Math.max(1, sd[i]), "O's own scale, not its class's 0.6");
                    }
                    assertTrue(o.std()[i] <= (float) u.cap(), "σ above the cap");
                    OnnxMatchesReferenceTest.assertClose(std[i], o.std()[i], 0.1, "σ " + k + "/" + i);
                    OnnxMatchesReferenceTest.assertClose(want[i], o.values()[i], 0.6, "mean " + k + "/" + i);
                    OnnxMatchesReferenceTest.assertClose(score[i], o.domain()[i], 1e-2, "domain " + k + "/" + i);
                }
                assertEquals(0, sum, 1e-4);
            }
        }
        assertTrue(capped > 0, "no σ reached the cap: the cap was not tested");
        assertTrue(ownScale > 0, "no O site below the cap: the element's own scale was not tested");
    }

    /**
     * An ensemble with a one-sided interval from its validation errors: σ stays the members' spread recalibrated as the
     * card's uncertainty says (not the residual fit's σ), the values are the members' mean cut at 0, and the interval is
     * that value plus the offsets of its element and bin ({@link Trust.ResidualStd#interval}), cut at 0. An ensemble's
     * residual fit without an interval is refused: it would serve nothing.
     */
    @Test
    void anEnsemblesIntervalIsItsGroupsOffsetsWhileItsSigmaStaysTheMembersSpread() throws Exception {
        ModelSpec base = TestModels.spec("trust-ens-interval", 1, CgcnnHyperparameters.reference(), 1);
        List<CgcnnWeights> ws = List.of(TestModels.weights(base, 31), TestModels.weights(base, 32), TestModels.weights(base, 33));
        Trust.Uncertainty u = new Trust.Uncertainty(1.7, 0.6, 50, java.util.Map.of("O", 0.5));
        ModelSpec plain = base.withTrust(new Trust(card(), u, "uniform"),
                List.of(new PropertySpec("magmom", "μB", 0.5, 0.81, PropertySpec.Constraint.NON_NEGATIVE)), base.provenance());
        List<ReferenceForward> refs = ws.stream().map(w -> new ReferenceForward(plain, w, TABLE)).toList();
        DomainSummary d = summary(refs.get(0), plain.hyperparameters().hiddenWidth());
        // the oracle: the members' mean and spread, σ recalibrated, the mean cut at 0
        List<double[]> values = new ArrayList<>();
        List<double[]> stds = new ArrayList<>();
        List<Double> positive = new ArrayList<>();
        for (CrystalGraph g : graphs) {
            double[][] meanAndSd = membersMeanAndSpread(refs, g);
            double[] mean = meanAndSd[0];
            double[] std = TrustMath.calibrateStd(u, meanAndSd[1], g.species(), TM);
            double[] y = TrustMath.constrain(plain, mean, std, 0);
            values.add(y);
            stds.add(std);
            for (double v : y) {
                if (v > 0) {
                    positive.add(v);
                }
            }
        }
        double[] edges = {DomainFitter.quantile(positive, 0.25), DomainFitter.quantile(positive, 0.5), DomainFitter.quantile(positive, 0.75)};
        Trust.Interval interval = new Trust.Interval(0.04, Map.of("O", new double[] {-0.01, 0, -0.02, -0.03}, "Mn", new double[] {-1, -2, -3, -4}),
                Map.of("O", new double[] {0.1, 0.2, 0.3, 0.4}, "Mn", new double[] {0.5, 0.25, 0.125, 0}), new double[] {-0.9, 0.8}, new double[] {-0.07, 0.06});
        // the residual fit's σ (7 and 9) is far from the spread's: were it served, σ would show it
        Trust.ResidualStd r = new Trust.ResidualStd(edges, Map.of("O", new double[] {7, 7, 7, 7}, "Mn", new double[] {8, 8, 8, 8}), 9, 9, 200, interval);
        assertThrows(IllegalArgumentException.class, () -> plain.trust().withResidualStd(new Trust.ResidualStd(edges, Map.of(), 9, 9, 200)),
                "an ensemble's residual fit without an interval");
        ModelSpec spec = plain.withTrust(plain.trust().withResidualStd(r), plain.properties(), plain.provenance());
        byte[] ensemble = OnnxEnsembleWriter.write(spec, ws.stream().map(w -> OnnxCgcnnWriter.write(spec, w, TABLE)).toList());
        LoadedModel m = ModelDirectory.load(ModelDirectory.write(tmp.resolve("ens-interval"), spec, OnnxTrustHead.apply(ensemble, spec, d, u, TM), true)
                .directory());
        assertEquals(r, m.spec().trust().residualStd(), "the card keeps the fit");
        int[] perBin = new int[4];
        int mn = 0;
        try (OnnxInferenceEngine e = OnnxInferenceEngine.open(m, Device.CPU, false, 1)) {
            assertTrue(e.hasUncertainty() && e.hasInterval() && e.hasDomainScore());
            List<float[]> rows = e.predictAll(graphs, Buckets.defaults(), 1024);
            for (int k = 0; k < graphs.size(); k++) {
                CrystalGraph g = graphs.get(k);
                SiteOutputs o = e.layout().split(rows.get(k));
                for (int i = 0; i < g.numSites(); i++) {
                    OnnxMatchesReferenceTest.assertClose(values.get(k)[i], o.values()[i], 0.6, "mean " + k + "/" + i);
                    OnnxMatchesReferenceTest.assertClose(stds.get(k)[i], o.std()[i], 0.1, "σ " + k + "/" + i);
                    int z = g.species(i);
                    double[] want = r.interval(z, TM[z], o.values()[i]);
                    assertEquals(Math.max(0, want[0]), o.interval()[2 * i], 1e-5, "lower bound " + k + "/" + i);
                    assertEquals(Math.max(0, want[1]), o.interval()[2 * i + 1], 1e-5, "upper bound " + k + "/" + i);
                    perBin[r.bin(o.values()[i])]++;
                    mn += z == 25 ? 1 : 0;
                }
            }
        }
        for (int b = 0; b < 4; b++) {
            assertTrue(perBin[b] > 20, "bin " + b + " holds " + perBin[b] + " sites: every bin must be seen");
        }
        assertTrue(mn > 10, mn + " Mn sites: the element's own offsets must be seen");
    }

    /** The oracle's ensemble: each site's mean over the members and their sample standard deviation (divisor K - 1), {mean, sd}. */
    private static double[][] membersMeanAndSpread(List<ReferenceForward> refs, CrystalGraph g) {
        int n = g.numSites();
        double[][] member = refs.stream().map(r -> r.predict(g)).toArray(double[][]::new);
        double[] mean = new double[n];
        double[] sd = new double[n];
        for (int i = 0; i < n; i++) {
            for (double[] y : member) {
                mean[i] += y[i] / member.length;
            }
            for (double[] y : member) {
                sd[i] += (y[i] - mean[i]) * (y[i] - mean[i]) / (member.length - 1);
            }
            sd[i] = Math.sqrt(sd[i]);
        }
        return new double[][] {mean, sd};
    }
}
