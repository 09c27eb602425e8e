package org.persite.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.persite.model.LoadedModel;
import org.persite.structure.Elements;
import org.persite.train.SiteDataset;
import org.persite.train.SiteMetrics;

/**
 * Issue 20's diagnosis of a magnetic-moment model on its own test split: the TM error distribution, the error per
 * element, a confusion table of moment bins (a proxy for spin and oxidation state), and the error on TM sites of
 * crystals that have a near-identical twin in the data ({@link LabelNoiseFloor}: ambiguous labels) against the rest.
 *
 * <pre>bin/bench-run org.persite.bench.MagmomDiagnosis [models/magmom] [data/mp_magmom_tmo/structures.jsonl.gz]</pre>
 */
public final class MagmomDiagnosis {
    private static final double[] BINS = {0.5, 1.5, 2.5, 3.5, 4.5}; // μB: 0, ~1, ~2, ~3, ~4, ~5 unpaired electrons

    public static void main(String[] args) throws Exception {
        ModelTestSplit run = ModelTestSplit.fromArgs(args);
        LoadedModel m = run.model();
        List<SiteDataset.Example> test = run.test();
        List<float[]> predictions = run.predictions();
        Set<String> ambiguous = LabelNoiseFloor.ambiguousIds(run.data(), 0.005);
        List<Double> errors = new ArrayList<>();
        List<Double> ambiguousErrors = new ArrayList<>();
        List<Double> clearErrors = new ArrayList<>();
        Map<String, List<Double>> byElement = new TreeMap<>();
        long[][] confusion = new long[BINS.length + 1][BINS.length + 1];
        // [twin?][all sites, TM sites]: the model's and the per-element average's summed |error|, and the sites
        double[][] modelSum = new double[2][2];
        double[][] baselineSum = new double[2][2];
        long[][] count = new long[2][2];
        for (int k = 0; k < test.size(); k++) {
            SiteDataset.Example ex = test.get(k);
            String id = ex.id().substring(ex.id().indexOf('#') + 1);
            boolean twin = ambiguous.contains(id);
            int[] species = ex.graph().species();
            float[] base = run.baseline().predict(ex);
            for (int i = 0; i < species.length; i++) {
                float label = ex.targets()[i];
                if (Float.isNaN(label)) {
                    continue;
                }
                boolean tmSite = SiteMetrics.isTransitionMetal(species[i]);
                for (int g = 0; g < (tmSite ? 2 : 1); g++) {
                    modelSum[twin ? 1 : 0][g] += Math.abs(predictions.get(k)[i] - label);
                    baselineSum[twin ? 1 : 0][g] += Math.abs(base[i] - label);
                    count[twin ? 1 : 0][g]++;
                }
                if (!tmSite) {
                    continue;
                }
                double e = Math.abs(predictions.get(k)[i] - label);
                errors.add(e);
                (twin ? ambiguousErrors : clearErrors).add(e);
                byElement.computeIfAbsent(Elements.symbol(species[i]), x -> new ArrayList<>()).add(e);
                confusion[bin(label)][bin(predictions.get(k)[i])]++;
            }
        }
        double[] d = sorted(errors);
        System.out.printf(Locale.ROOT, "%s v%d on its test split (%d structures): %d TM sites%n", m.spec().name(), m.spec().version(), test.size(), d.length);
        System.out.printf(Locale.ROOT, "TM |error|: MAE %.3f, median %.3f, p90 %.3f, p99 %.3f μB; %.1f%% over 1 μB%n", mean(d), d[d.length / 2],
                d[(int) (0.9 * d.length)], d[(int) (0.99 * d.length)], 100.0 * Arrays.stream(d).filter(x -> x > 1).count() / d.length);
        System.out.printf(Locale.ROOT, "TM sites of crystals with a near-identical twin: %d, MAE %.3f μB; the rest: %d, MAE %.3f μB%n",
                ambiguousErrors.size(), mean(sorted(ambiguousErrors)), clearErrors.size(), mean(sorted(clearErrors)));
        System.out.println("against the per-element average of the training split (the issue's ratio), per kind of crystal:");
        String[] kind = {"no near-identical twin (unambiguous)", "a near-identical twin (ambiguous)"};
        for (int t = 0; t < 2; t++) {
            System.out.printf(Locale.ROOT, "  %s: all sites %d, MAE %.4f / per-element %.4f = %.3f; TM sites %d, MAE %.4f / per-element %.4f = %.3f%n", kind[t],
                    count[t][0], modelSum[t][0] / count[t][0], baselineSum[t][0] / count[t][0], modelSum[t][0] / baselineSum[t][0],
                    count[t][1], modelSum[t][1] / count[t][1], baselineSum[t][1] / count[t][1], modelSum[t][1] / baselineSum[t][1]);
        }
        System.out.println("per element (TM sites, MAE μB), the 12 most frequent:");
        byElement.entrySet().stream().sorted((a, b) -> b.getValue().size() - a.getValue().size()).limit(12).forEach(e -> System.out.printf(Locale.ROOT,
                "  %-2s %6d  %.3f%n", e.getKey(), e.getValue().size(), mean(sorted(e.getValue()))));
        System.out.println("moment bins, label (rows) against prediction (columns), TM sites: <0.5 | 0.5-1.5 | 1.5-2.5 | 2.5-3.5 | 3.5-4.5 | >4.5 μB");
        long right = 0;
        for (int r = 0; r < confusion.length; r++) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "  %-8s", label(r)));
            for (int c = 0; c < confusion.length; c++) {
                row.append(String.format(Locale.ROOT, "%8d", confusion[r][c]));
            }
            right += confusion[r][r];
            System.out.println(row);
        }
        System.out.printf(Locale.ROOT, "in the right bin: %.1f%% of TM sites%n", 100.0 * right / d.length);
    }

    private static int bin(double v) {
        int b = 0;
        while (b < BINS.length && v >= BINS[b]) {
            b++;
        }
        return b;
    }

    private static String label(int b) {
        return b == 0 ? "<0.5" : b == BINS.length ? ">4.5" : BINS[b - 1] + "-" + BINS[b];
    }

    private static double[] sorted(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }
}
