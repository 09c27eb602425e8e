package org.persite.model;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.persite.TestVectors;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.ElementTable;
import org.persite.inference.Buckets;
import org.persite.inference.Device;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.inference.PaddedBatch;
import org.persite.inference.SiteOutputs;
import org.persite.structure.Format;
import org.persite.structure.ParseResult;
import org.persite.train.SiteDataset;
import org.persite.train.TrainingProvenance;

/**
 * The served magnetic-moment models' and the default charge model's domain score (the defaults, and the versions before them that score the latent
 * alone, whose graphs still compute r² as |c|² - |z|²), computed in float32 by ONNX Runtime, equals the plain-Java
 * oracle in double precision ({@link DomainSummary#score} on the summaries the graph holds, {@link SiteEnvironment}
 * for the first shell) on real structures: where a first-shell summary with 64 components whitens directions of
 * small variance, float32 could drift, and the random-model parity test fits on too few sites to show it.
 */
class ShippedDomainScoreMatchesOracleTest {

    @ParameterizedTest
    @ValueSource(strings = {"models/magmom", "models/magmom-ensemble", "models/magmom/5", "models/magmom-ensemble/3", "models/ddec-charge",
        "models/ddec-charge-ensemble"})
    void theServedDomainScoreIsTheOraclesOnRealStructures(String folder) throws Exception {
        LoadedModel m = ModelDirectory.load(ModelDirectory.resolve(Path.of(folder)));
        boolean shell = m.spec().trust().domain().hasEnvironment();
        DomainSummary latent = OnnxTrustHead.summary(m.onnx(), "domain_");
        DomainSummary environment = OnnxTrustHead.summary(m.onnx(), "environment_");
        assertNotNull(latent);
        assertTrue(shell == (environment != null), folder + ": the card says whether the graph scores the first shell");
        ElementTable table = ElementTable.cgcnn();
        CrystalGraphBuilder builder = new CrystalGraphBuilder(m.spec().featurizer());
        List<CrystalGraph> graphs = new ArrayList<>();
        if (folder.contains("ddec")) { // a charge model: the first structures of its own data (MOFs)
            TrainingProvenance t = TrainingProvenance.of(m.spec());
            SiteDataset ds = SiteDataset.load(Path.of(m.spec().provenance().get("data")), t.target(), m.spec().featurizer(), TestVectors.READER);
            for (int k = 0; k < 150; k++) {
                graphs.add(ds.get(k).graph());
            }
        } else {
            for (ParseResult r : TestVectors.READER.readFile(TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl"), Format.JSONL)) {
                graphs.add(builder.build(((ParseResult.Parsed) r).value().structure()));
            }
        }
        for (String probe : new String[] {"POSCAR-FeS2-pyrite", "POSCAR-FeAl-B2", "POSCAR-Co-hcp"}) {
            graphs.add(builder.build(TestVectors.parseOne(Path.of("data/probes").resolve(probe))));
        }
        int h = latent.latentWidth();
        LoadedModel withLatent = new LoadedModel(m.directory(), m.spec(), OnnxTrustHead.withLatentOutput(m.onnx(), h), "");
        int sites = 0;
        int environmentDecides = 0;
        double worst = 0;
        try (OnnxInferenceEngine e = OnnxInferenceEngine.open(withLatent, Device.CPU, false, 1)) {
            for (int from = 0; from < graphs.size(); from += 16) {
                List<CrystalGraph> chunk = graphs.subList(from, Math.min(graphs.size(), from + 16));
                PaddedBatch b = PaddedBatch.pack(chunk, Buckets.defaults());
                float[] hAll = e.runOutput(b, OnnxTrustHead.SITE_LATENT);                                           // [Npad, H]
                float[] served = e.runOutput(b, ModelIo.DOMAIN_SCORE);                                              // [Npad]
                for (int g = 0; g < chunk.size(); g++) {
                    CrystalGraph graph = chunk.get(g);
                    double[][] env = shell ? SiteEnvironment.describeRows(graph, table) : null;
                    for (int i = 0; i < graph.numSites(); i++) {
                        double[] hi = new double[h];
                        for (int c = 0; c < h; c++) {
                            hi[c] = hAll[(b.offset(g) + i) * h + c];
                        }
                        double fromLatent = latent.score(hi, graph.species(i));
                        double fromShell = shell ? environment.score(env[i], graph.species(i)) : 0;
                        double want = Math.max(fromLatent, fromShell);
                        double got = served[b.offset(g) + i];
                        double rel = Math.abs(got - want) / Math.max(want, 0.05);
                        worst = Math.max(worst, rel);
                        assertTrue(rel < 5e-4, "structure " + (from + g) + " site " + i + ": oracle " + want + " (latent " + fromLatent
                                + ", first shell " + fromShell + "), served " + got);
                        environmentDecides += fromShell > fromLatent ? 1 : 0;
                        sites++;
                    }
                }
            }
        }
        System.out.printf(folder + ": domain score of %d sites: largest relative difference from the oracle %.2e; the first shell decides %d%n", sites, worst,
                environmentDecides);
        assertTrue(sites > 10_000 && (!shell || environmentDecides > sites / 10), sites + " sites, the first shell decides " + environmentDecides);
    }
}
