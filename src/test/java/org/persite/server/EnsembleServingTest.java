package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestModels;
import org.persite.TestVectors;
import org.persite.api.v1.PredictRequest;
import org.persite.api.v1.PredictResponse;
import org.persite.api.v1.StructureResult;
import org.persite.api.v1.StructureText;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.ElementTable;
import org.persite.model.CgcnnHyperparameters;
import org.persite.model.CgcnnWeights;
import org.persite.model.ModelDirectory;
import org.persite.model.ModelSpec;
import org.persite.model.OnnxCgcnnWriter;
import org.persite.model.OnnxEnsembleWriter;
import org.persite.model.ReferenceForward;
import org.persite.structure.Structure;

/**
 * An ensemble model on the real server: each site's values are the members' mean and its uncertainty their
 * standard deviation, both checked against the plain-Java forward pass of each member; a single model's sites
 * carry no uncertainty.
 */
class EnsembleServingTest {
    @TempDir
    static Path tmp;

    static TestServer ts;
    static List<ReferenceForward> members = new ArrayList<>();
    static ModelSpec spec;

    @BeforeAll
    static void start() throws Exception {
        Path models = tmp.resolve("models");
        HotSwapTest.copy(Path.of("models/magmom/2"), models.resolve("magmom/2"));
        spec = TestModels.spec("magmom-ensemble", 1, CgcnnHyperparameters.reference(), 1);
        List<byte[]> onnx = new ArrayList<>();
        for (long seed = 21; seed <= 23; seed++) {
            CgcnnWeights w = TestModels.weights(spec, seed);
            members.add(new ReferenceForward(spec, w, ElementTable.cgcnn()));
            onnx.add(OnnxCgcnnWriter.write(spec, w, ElementTable.cgcnn()));
        }
        ModelDirectory.write(models.resolve("magmom-ensemble/1"), spec, OnnxEnsembleWriter.write(spec, onnx), true);
        ts = TestServer.start(Map.of("persite.models.directory", models.toString()));
    }

    @AfterAll
    static void stop() {
        ts.close();
        members = new ArrayList<>();
    }

    private static PredictResponse predict(String model, Path file) throws Exception {
        return ts.client.predict(PredictRequest.newBuilder().setRequestId("e").setModel(model)
                .setText(StructureText.newBuilder().setName(file.getFileName().toString()).setContent(Files.readString(file))).build())
                .toCompletableFuture().join();
    }

    @Test
    void anEnsembleAnswersTheMembersMeanWithTheirStandardDeviation() throws Exception {
        Path cif = TestVectors.input("mp-sk11803.cif");
        PredictResponse r = predict("magmom-ensemble", cif);
        assertEquals(0, r.getStatus().getCode(), r.getStatus().getMessage());
        assertEquals("magmom-ensemble", r.getModel());
        StructureResult s = r.getStructures(0);
        Structure st = TestVectors.parseOne(cif);
        var g = new CrystalGraphBuilder(spec.featurizer()).build(st);
        double[][] each = members.stream().map(m -> m.predict(g)).toArray(double[][]::new);
        assertEquals(st.size(), s.getSitesCount());
        double scale = spec.properties().get(0).std();
        for (int i = 0; i < st.size(); i++) {
            double mean = (each[0][i] + each[1][i] + each[2][i]) / 3;
            double ss = 0;
            for (double[] e : each) {
                ss += (e[i] - mean) * (e[i] - mean);
            }
            double std = Math.sqrt(ss / 2);
            assertEquals(1, s.getSites(i).getValuesCount());
            assertEquals(1, s.getSites(i).getUncertaintyCount(), "one standard deviation per property");
            assertEquals(mean, s.getSites(i).getValues(0), 1e-4 * Math.max(Math.abs(mean), scale), "site " + i + " mean");
            assertEquals(std, s.getSites(i).getUncertainty(0), 1e-4 * Math.max(std, scale), "site " + i + " std");
            assertTrue(s.getSites(i).getUncertainty(0) > 0);
        }
    }

    @Test
    void aSingleModelsSitesCarryNoUncertainty() throws Exception {
        PredictResponse r = predict("magmom", TestVectors.input("cod-1000041.cif"));
        assertEquals(0, r.getStatus().getCode(), r.getStatus().getMessage());
        assertTrue(r.getStructures(0).getSitesList().stream().allMatch(site -> site.getUncertaintyCount() == 0 && site.getValuesCount() == 1));
    }
}
