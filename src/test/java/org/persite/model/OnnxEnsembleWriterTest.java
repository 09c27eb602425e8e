package org.persite.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestModels;
import org.persite.TestVectors;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.ElementTable;
import org.persite.graph.FeaturizerSettings;
import org.persite.inference.Buckets;
import org.persite.inference.Device;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.structure.Structure;

/**
 * An ensemble written by {@link OnnxEnsembleWriter} and run by ONNX Runtime gives, per site and property,
 * the mean and the (scaled) sample standard deviation of its members' predictions, each member computed by the
 * plain-Java {@link ReferenceForward}; and it refuses members that do not fit together.
 */
class OnnxEnsembleWriterTest {
    @TempDir
    Path tmp;

    /** Plain members, and members with the crystal context, whose shared site_structure input the ensemble keeps once. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void meanAndStdOfThreeMembersMatchTheReferenceForwardPass(boolean context) throws Exception {
        ModelSpec spec = TestModels.spec(context ? "ens-context" : "ens", 1, new CgcnnHyperparameters(32, 2, 48, 1).withCrystalContext(context), 2);
        List<ReferenceForward> refs = new ArrayList<>();
        List<byte[]> onnx = new ArrayList<>();
        for (long seed = 11; seed <= 13; seed++) {
            CgcnnWeights w = TestModels.weights(spec, seed);
            refs.add(new ReferenceForward(spec, w, ElementTable.cgcnn()));
            onnx.add(OnnxCgcnnWriter.write(spec, w, ElementTable.cgcnn()));
        }
        double stdScale = 2.5; // a calibration factor multiplies the standard deviation
        LoadedModel written = ModelDirectory.write(tmp.resolve(spec.name() + "/1"), spec, OnnxEnsembleWriter.write(spec, onnx, stdScale), true);
        CrystalGraphBuilder builder = new CrystalGraphBuilder(spec.featurizer());
        int p = spec.propertyCount();
        try (OnnxInferenceEngine engine = OnnxInferenceEngine.open(ModelDirectory.load(written.directory()), Device.CPU, false, 1)) {
            assertTrue(engine.hasUncertainty());
            assertEquals(2 * p, engine.outputsPerSite());
            for (String name : List.of("cod-1000041.cif", "edge-molecule-in-box.cif", "edge-triclinic-skewed.cif", "mp-sk11803.cif")) {
                Structure s = TestVectors.parseOne(TestVectors.input(name));
                CrystalGraph g = builder.build(s);
                double[][] members = refs.stream().map(r -> r.predict(g)).toArray(double[][]::new);   // [K][n·P]
                float[] got = engine.predictOne(g, Buckets.defaults());                             // [n, 2P]
                assertEquals(2 * members[0].length, got.length);
                for (int i = 0; i < s.size(); i++) {
                    for (int q = 0; q < p; q++) {
                        double mean = 0;
                        for (double[] m : members) {
                            mean += m[i * p + q] / members.length;
                        }
                        double ss = 0;
                        for (double[] m : members) {
                            ss += (m[i * p + q] - mean) * (m[i * p + q] - mean);
                        }
                        double std = stdScale * Math.sqrt(ss / (members.length - 1));
                        double scale = spec.properties().get(q).std();
                        String where = name + " site " + i + " property " + q;
                        OnnxMatchesReferenceTest.assertClose(mean, got[i * 2 * p + q], scale, where + " mean");
                        OnnxMatchesReferenceTest.assertClose(std, got[i * 2 * p + p + q], scale, where + " std");
                        assertTrue(std > 1e-3 * scale, "members with other weights disagree: " + where);
                    }
                }
            }
        }
    }

    @Test
    void identicalMembersGiveTheMemberAndZeroStd() throws Exception {
        ModelSpec spec = TestModels.spec("same", 1, CgcnnHyperparameters.reference(), 1);
        CgcnnWeights w = TestModels.weights(spec, 5);
        byte[] one = OnnxCgcnnWriter.write(spec, w, ElementTable.cgcnn());
        LoadedModel single = ModelDirectory.write(tmp.resolve("single/1"), spec, w, ElementTable.cgcnn());
        LoadedModel pair = ModelDirectory.write(tmp.resolve("pair/1"), spec, OnnxEnsembleWriter.write(spec, List.of(one, one)), true);
        CrystalGraph g = new CrystalGraphBuilder(spec.featurizer()).build(TestVectors.parseOne(TestVectors.input("cod-1000041.cif")));
        try (OnnxInferenceEngine a = OnnxInferenceEngine.open(single, Device.CPU, false, 1);
                OnnxInferenceEngine b = OnnxInferenceEngine.open(pair, Device.CPU, false, 1)) {
            assertFalse(a.hasUncertainty());
            float[] alone = a.predictOne(g, Buckets.defaults());
            float[] both = b.predictOne(g, Buckets.defaults());
            for (int i = 0; i < alone.length; i++) {
                assertEquals(alone[i], both[2 * i], 1e-5 * Math.max(1, Math.abs(alone[i])), "site " + i);
                assertEquals(0, both[2 * i + 1], 1e-6, "site " + i + " std");
            }
        }
    }

    @Test
    void refusesMembersThatDoNotFitTogether() {
        ModelSpec spec = TestModels.spec("m", 1, CgcnnHyperparameters.reference(), 1);
        byte[] a = OnnxCgcnnWriter.write(spec, TestModels.weights(spec, 1), ElementTable.cgcnn());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OnnxEnsembleWriter.write(spec, List.of(a))).getMessage()
                .contains("at least 2"));
        assertThrows(IllegalArgumentException.class, () -> OnnxEnsembleWriter.write(spec, List.of(a, a), 0));
        FeaturizerSettings f = FeaturizerSettings.reference();
        ModelSpec other = new ModelSpec("m", 1, spec.hyperparameters(), new FeaturizerSettings(f.cutoff(), 8, f.gaussianDmin(), f.gaussianStep(),
                f.gaussianVar(), f.elementTableId(), f.elementTableSha256()), spec.properties(), spec.provenance(), spec.metrics());
        byte[] b = OnnxCgcnnWriter.write(other, TestModels.weights(other, 2), ElementTable.cgcnn());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OnnxEnsembleWriter.write(spec, List.of(a, b))).getMessage()
                .contains("other inputs or outputs"));
        byte[] pair = OnnxEnsembleWriter.write(spec, List.of(a, a));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OnnxEnsembleWriter.write(spec, List.of(a, pair))).getMessage()
                .contains("not a single per-site model"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OnnxEnsembleWriter.write(spec, List.of(a, new byte[] {1, 2, 3}))).getMessage()
                .contains("member 1"));
    }
}
