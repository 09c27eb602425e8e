package org.persite.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.persite.graph.CrystalGraph;
import org.persite.train.SiteDataset;
import org.persite.train.SiteMetrics;

/**
 * Does the charge-balance oxidation state hold information a model lacks (issue 20 item 3, "oxidation states guessed
 * by charge balance")? Before building it into a network, this aid asks it of a trained model's errors.
 *
 * <p>For each test crystal, the mean transition-metal oxidation state by charge balance: every other element takes a
 * fixed common oxidation state ({@link #fixedCharge}; with oxygen present, S, Se, N, C and P as the centres of their
 * oxo-anions), and the TM atoms share what is left, {@code ox = -Σ q / n_TM}. A TM site's error is then corrected by the
 * median residual of its group ({@link GroupCorrection}), for two groupings:
 * <ul>
 *   <li>element and predicted-moment bin (0.5 μB): a plain recalibration, the control;</li>
 *   <li>element, predicted-moment bin and oxidation-state bin (0.5): what the oxidation state adds to it.</li>
 * </ul>
 * If the second lowers the TM MAE well below the first, the model has not learnt what charge balance says.
 *
 * <pre>bin/bench-run org.persite.bench.OxidationResidual [models/magmom] [data/mp_magmom_tmo/structures.jsonl.gz]</pre>
 */
public final class OxidationResidual {
    public static void main(String[] args) throws Exception {
        ModelTestSplit run = ModelTestSplit.fromArgs(args);
        List<SiteDataset.Example> test = run.test();
        List<float[]> pred = run.predictions();
        List<Site> sites = new ArrayList<>();
        int noTm = 0;
        for (int k = 0; k < test.size(); k++) {
            SiteDataset.Example ex = test.get(k);
            double ox = oxidation(ex.graph());
            if (Double.isNaN(ox)) {
                noTm++;
                continue;
            }
            for (int i = 0; i < ex.graph().numSites(); i++) {
                int z = ex.graph().species(i);
                float y = ex.targets()[i];
                if (SiteMetrics.isTransitionMetal(z) && !Float.isNaN(y)) {
                    sites.add(new Site(k % 2, z, pred.get(k)[i], y, ox));
                }
            }
        }
        double raw = GroupCorrection.raw(sites);
        double control = GroupCorrection.corrected(sites, s -> s.key(false));
        double withOx = GroupCorrection.corrected(sites, s -> s.key(true));
        System.out.printf(Locale.ROOT, "%s on its test split: %d TM sites (%d crystals without a TM left out)%n", run.model().spec().name() + " v"
                + run.model().spec().version(), sites.size(), noTm);
        System.out.printf(Locale.ROOT, "TM MAE as served                                          %.4f μB%n", raw);
        System.out.printf(Locale.ROOT, "corrected by element and predicted bin (control)          %.4f μB (%+.1f%%)%n", control, 100 * (control / raw - 1));
        System.out.printf(Locale.ROOT, "corrected by element, predicted bin and oxidation state   %.4f μB (%+.1f%%)%n", withOx, 100 * (withOx / raw - 1));
        // how the model's error runs with the oxidation state, per element of the most sites
        Map<Integer, Integer> count = new HashMap<>();
        sites.forEach(s -> count.merge(s.z, 1, Integer::sum));
        System.out.println("element  ox bin  sites  MAE (μB)  median label  median prediction");
        count.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(4).forEach(e -> {
            Map<Double, List<Site>> byOx = new java.util.TreeMap<>();
            sites.stream().filter(s -> s.z == e.getKey()).forEach(s -> byOx.computeIfAbsent(Math.round(s.ox) * 1.0, b -> new ArrayList<>()).add(s));
            byOx.forEach((b, list) -> {
                if (list.size() >= 100) {
                    double mae = list.stream().mapToDouble(s -> Math.abs(s.prediction - s.label)).average().orElse(Double.NaN);
                    System.out.printf(Locale.ROOT, "%-7s  %+4.0f  %6d  %8.3f  %12.3f  %17.3f%n", org.persite.structure.Elements.symbol(e.getKey()), b,
                            list.size(), mae, GroupCorrection.median(list.stream().mapToDouble(s -> s.label).toArray()),
                            GroupCorrection.median(list.stream().mapToDouble(s -> s.prediction).toArray()));
                }
            });
        });
    }

    record Site(int half, int z, float prediction, float label, double ox) implements GroupCorrection.Site {
        String key(boolean withOx) {
            return z + "/" + GroupCorrection.bin(prediction) + (withOx ? "/" + Math.round(Math.floor(ox / 0.5)) : "");
        }
    }

    /** The mean TM oxidation state by charge balance, or NaN for a crystal without a TM or with an element of no fixed state. */
    static double oxidation(CrystalGraph g) {
        boolean oxygen = false;
        for (int i = 0; i < g.numSites(); i++) {
            oxygen |= g.species(i) == 8;
        }
        double q = 0;
        int tm = 0;
        for (int i = 0; i < g.numSites(); i++) {
            int z = g.species(i);
            if (SiteMetrics.isTransitionMetal(z)) {
                tm++;
            } else {
                Double c = fixedCharge(z, oxygen);
                if (c == null) {
                    return Double.NaN;
                }
                q += c;
            }
        }
        return tm == 0 ? Double.NaN : -q / tm;
    }

    /** A non-TM element's common oxidation state; null where there is none to take. */
    static Double fixedCharge(int z, boolean oxygen) {
        return switch (z) {
            case 1, 3, 11, 19, 37, 55 -> 1.0;
            case 4, 12, 20, 38, 56 -> 2.0;
            case 5, 13, 31, 49 -> 3.0;
            case 14, 32 -> 4.0;
            case 50 -> 4.0;
            case 82 -> 2.0;
            case 83 -> 3.0;
            case 51 -> oxygen ? 5.0 : -3.0;
            case 33 -> oxygen ? 5.0 : -3.0;
            case 15 -> oxygen ? 5.0 : -3.0;
            case 6 -> oxygen ? 4.0 : -4.0;
            case 7 -> oxygen ? 5.0 : -3.0;
            case 16 -> oxygen ? 6.0 : -2.0;
            case 34 -> oxygen ? 4.0 : -2.0;
            case 52 -> oxygen ? 4.0 : -2.0;
            case 8 -> -2.0;
            case 9, 17, 35, 53 -> -1.0;
            default -> (z >= 57 && z <= 71) ? 3.0 : null;
        };
    }
}
