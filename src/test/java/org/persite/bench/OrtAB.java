package org.persite.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.inference.Device;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.inference.PaddedBatch;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;

/**
 * Two model versions (for example one graph written two ways) timed in turn in one JVM, round by round, on the same
 * batch of real sample_500 structures, one intra-op thread each: the ratio is trustworthy on a noisy machine where
 * separate runs drift by 15%. Also prints the largest difference between their outputs. A measuring aid:
 * <pre>
 *   bin/bench-run org.persite.bench.OrtAB DIR_A DIR_B [bucket 256] [rounds 30]
 * </pre>
 */
public final class OrtAB {
    private OrtAB() {
    }

    public static void main(String[] args) throws Exception {
        LoadedModel a = ModelDirectory.load(Path.of(args[0]));
        LoadedModel b = ModelDirectory.load(Path.of(args[1]));
        int bucket = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 30;
        PaddedBatch batch = SampleBatch.fill(new CrystalGraphBuilder(a.spec().featurizer()), bucket);
        try (OnnxInferenceEngine ea = OnnxInferenceEngine.open(a, Device.CPU, false, 1); OnnxInferenceEngine eb = OnnxInferenceEngine.open(b, Device.CPU, false, 1)) {
            float[] oa = ea.run(batch);
            float[] ob = eb.run(batch);
            double maxDiff = 0;
            for (int i = 0; i < batch.realAtoms() * ea.outputsPerSite(); i++) {
                maxDiff = Math.max(maxDiff, Math.abs(oa[i] - ob[i]));
            }
            int per = Math.max(1, 2000 / bucket);
            for (int w = 0; w < 5 * per; w++) {
                ea.run(batch);
                eb.run(batch);
            }
            double ta = 0;
            double tb = 0;
            List<Double> ratios = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < per; i++) {
                    ea.run(batch);
                }
                long t1 = System.nanoTime();
                for (int i = 0; i < per; i++) {
                    eb.run(batch);
                }
                long t2 = System.nanoTime();
                ta += t1 - t0;
                tb += t2 - t1;
                ratios.add((double) (t2 - t1) / (t1 - t0));
            }
            ratios.sort(null);
            System.out.printf("bucket %d (%d real atoms), %d rounds of %d runs each, 1 thread:%n  A %s: %.3f ms per batch%n  B %s: %.3f ms per batch%n"
                    + "  B/A time: %.3f (median of rounds %.3f, quartiles %.3f..%.3f); largest output difference %.3g%n", bucket, batch.realAtoms(), rounds,
                    per, args[0], ta / 1e6 / rounds / per, args[1], tb / 1e6 / rounds / per, tb / ta, ratios.get(rounds / 2),
                    ratios.get(rounds / 4), ratios.get(3 * rounds / 4), maxDiff);
        }
    }
}
