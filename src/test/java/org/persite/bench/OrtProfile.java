package org.persite.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.inference.PaddedBatch;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.ModelIo;

/**
 * Where a model's compute goes, from ONNX Runtime's own profiler: runs one model version on batches of real
 * sample_500 structures filled to a bucket, one intra-op thread (as the server runs each batch), and prints the
 * share of kernel time per operator type and the ten costliest nodes. A measuring aid, not a test:
 * <pre>
 *   bin/bench-run org.persite.bench.OrtProfile models/magmom/3 256 400
 * </pre>
 * (model version folder, bucket size, batches). The raw profile JSON is left in the working directory.
 */
public final class OrtProfile {
    private OrtProfile() {
    }

    public static void main(String[] args) throws Exception {
        String what = args.length > 0 ? args[0] : "models/magmom/3";
        Path version = what.equals("random") ? randomModel() : Path.of(what);
        int bucket = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 400;
        LoadedModel model = ModelDirectory.load(version);
        PaddedBatch b = SampleBatch.fill(new CrystalGraphBuilder(model.spec().featurizer()), bucket);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.addConfigEntry("session.set_denormal_as_zero", "1");
            o.setIntraOpNumThreads(1);
            o.enableProfiling("persite-ort-profile");
            try (OrtSession s = env.createSession(model.onnx(), o)) {
                long n = b.paddedAtoms();
                long m = b.maxNeighbors();
                Map<String, OnnxTensor> in = new java.util.HashMap<>();
                in.put(ModelIo.SPECIES, OnnxTensor.createTensor(env, b.species(), new long[] {n}));
                in.put(ModelIo.NBR_INDEX, OnnxTensor.createTensor(env, b.nbrIndex(), new long[] {n, m}));
                in.put(ModelIo.NBR_DISTANCE, OnnxTensor.createTensor(env, b.nbrDistance(), new long[] {n, m}));
                in.put(ModelIo.NBR_MASK, OnnxTensor.createTensor(env, b.nbrMask(), new long[] {n, m}));
                if (s.getInputNames().contains(ModelIo.SITE_STRUCTURE)) {
                    in.put(ModelIo.SITE_STRUCTURE, OnnxTensor.createTensor(env, b.siteStructure(), new long[] {n}));
                }
                if (s.getInputNames().contains(ModelIo.SITE_TOTAL)) {
                    in.put(ModelIo.SITE_TOTAL, OnnxTensor.createTensor(env, b.siteTotal(), new long[] {n}));
                }
                for (int i = 0; i < 20; i++) {
                    s.run(in).close();
                }
                long t0 = System.nanoTime();
                for (int i = 0; i < runs; i++) {
                    s.run(in).close();
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                System.out.printf("%s, bucket %d (%d real atoms), %d runs, 1 thread: %.3f ms per batch, %.0f real atoms/s%n", version, bucket,
                        b.realAtoms(), runs, secs * 1e3 / runs, b.realAtoms() * runs / secs);
                String file = s.endProfiling();
                summarise(Path.of(file));
                in.values().forEach(OnnxTensor::close);
            }
        }
    }

    /** A model of the reference shape (F 64, M 12, 3 convolutions, H 128) with seeded random weights, as written today. */
    private static Path randomModel() throws java.io.IOException {
        org.persite.model.CgcnnHyperparameters hp = org.persite.model.CgcnnHyperparameters.reference();
        org.persite.model.ModelSpec spec = new org.persite.model.ModelSpec("random", 1, hp, org.persite.graph.FeaturizerSettings.reference(),
                List.of(new org.persite.model.PropertySpec("magmom", "μB", 0, 1)), Map.of(), Map.of());
        org.persite.model.CgcnnWeights w = org.persite.model.CgcnnWeights.random(hp, org.persite.graph.ElementTable.cgcnn().featureLength(),
                new org.persite.graph.GaussianExpansion(spec.featurizer()).size(), 1, 1);
        Path dir = Files.createTempDirectory("persite-profile").resolve("random");
        ModelDirectory.write(dir, spec, w, org.persite.graph.ElementTable.cgcnn());
        return dir;
    }

    private static void summarise(Path profile) throws java.io.IOException {
        JsonNode events = new ObjectMapper().readTree(Files.readAllBytes(profile));
        Map<String, Long> byOp = new TreeMap<>();
        Map<String, Long> byNode = new TreeMap<>();
        long total = 0;
        for (JsonNode e : events) {
            if (!"Node".equals(e.path("cat").asText()) || !e.path("name").asText().endsWith("_kernel_time")) {
                continue;
            }
            long dur = e.path("dur").asLong();
            String op = e.path("args").path("op_name").asText();
            byOp.merge(op, dur, Long::sum);
            byNode.merge(op + " " + e.path("name").asText().replace("_kernel_time", ""), dur, Long::sum);
            total += dur;
        }
        long all = total;
        System.out.println("kernel time per operator type:");
        byOp.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(en -> System.out.printf("  %-22s %5.1f%%%n", en.getKey(), 100.0 * en.getValue() / all));
        System.out.println("costliest nodes:");
        byNode.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(12)
                .forEach(en -> System.out.printf("  %-60s %5.1f%%%n", en.getKey(), 100.0 * en.getValue() / all));
        System.out.println("profile: " + profile);
    }
}
