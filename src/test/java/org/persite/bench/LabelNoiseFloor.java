package org.persite.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.persite.structure.Elements;
import org.persite.train.SiteMetrics;

/**
 * The label-noise floor of the magnetic-moment data (issue 20): pairs of near-identical crystals (the same composition,
 * sorted lattice lengths and volume within a tolerance) that were computed more than once, and how far apart their
 * transition-metal moments are. A structure-only model must give both members of a pair (nearly) the same moments, so
 * on such a pair no model can beat half the members' difference per site (for L1, any value between the two labels
 * costs |a - b| for the pair). That is the floor this prints, beside how many TM sites it concerns.
 *
 * <pre>bin/bench-run org.persite.bench.LabelNoiseFloor [data/mp_magmom_tmo/structures.jsonl.gz] [tolerance 0.005]</pre>
 *
 * Moments are |magmom| (the shipped models' transform), records with paper_filter only (their training set). The TM
 * moments of each element are compared sorted, member against member, so the pairing of sites needs no structure match.
 */
public final class LabelNoiseFloor {
    /** Site pairs an element needs for a floor of its own in the per-element estimate. */
    static final int MIN_PAIRS = 200;

    private record Crystal(String id, double[] lengths, double volume, Map<String, double[]> tmMoments, int tmSites,
            MagneticOrderingResidual.Ordering ordering) {
    }

    /** The ids of the records that have a near-identical twin (within {@code tol}), of paper_filter records. */
    static java.util.Set<String> ambiguousIds(Path data, double tol) throws Exception {
        return run(data, tol, false);
    }

    public static void main(String[] args) throws Exception {
        run(Path.of(args.length > 0 ? args[0] : "data/mp_magmom_tmo/structures.jsonl.gz"), args.length > 1 ? Double.parseDouble(args[1]) : 0.005, true);
    }

    private static java.util.Set<String> run(Path data, double tol, boolean print) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, List<Crystal>> byComposition = new HashMap<>();
        int records = 0;
        long tmSitesAll = 0;
        Map<String, Long> tmSitesByElement = new TreeMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(data)), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = json.readTree(line);
                if (!n.path("paper_filter").asBoolean(false)) {
                    continue;
                }
                records++;
                double[][] m = new double[3][3];
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 3; j++) {
                        m[i][j] = n.path("lattice").get(i).get(j).asDouble();
                    }
                }
                double[] lengths = new double[3];
                for (int i = 0; i < 3; i++) {
                    lengths[i] = Math.sqrt(m[i][0] * m[i][0] + m[i][1] * m[i][1] + m[i][2] * m[i][2]);
                }
                Arrays.sort(lengths);
                double volume = Math.abs(m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]));
                Map<String, Integer> counts = new TreeMap<>();
                Map<String, List<Double>> tm = new TreeMap<>();
                JsonNode species = n.path("species");
                JsonNode moments = n.path("magmom");
                int tmSites = 0;
                int[] z = new int[species.size()];
                double[] signed = new double[species.size()];
                for (int i = 0; i < species.size(); i++) {
                    String e = species.get(i).asText();
                    z[i] = Elements.atomicNumber(e);
                    signed[i] = moments.get(i).isNull() ? Double.NaN : moments.get(i).asDouble();
                    counts.merge(e, 1, Integer::sum);
                    if (SiteMetrics.isTransitionMetal(Elements.atomicNumber(e)) && !moments.get(i).isNull()) {
                        tm.computeIfAbsent(e, k -> new ArrayList<>()).add(Math.abs(moments.get(i).asDouble()));
                        tmSitesByElement.merge(e, 1L, Long::sum);
                        tmSites++;
                    }
                }
                tmSitesAll += tmSites;
                Map<String, double[]> sorted = new TreeMap<>();
                tm.forEach((e, v) -> sorted.put(e, v.stream().mapToDouble(Double::doubleValue).sorted().toArray()));
                byComposition.computeIfAbsent(counts.toString(), k -> new ArrayList<>()).add(new Crystal(n.path("id").asText(), lengths, volume, sorted,
                        tmSites, MagneticOrderingResidual.ordering(z, signed)));
            }
        }
        int pairs = 0;
        List<Double> diffs = new ArrayList<>();
        Map<String, List<Double>> diffsByElement = new TreeMap<>();
        // the pairs' site differences by whether the two calculations were ordered alike ("FM=FM") or not ("AFM/FM")
        Map<String, List<Double>> diffsByOrderings = new TreeMap<>();
        Map<String, Integer> pairsByOrderings = new TreeMap<>();
        java.util.Set<String> inPairs = new java.util.HashSet<>();
        long tmSitesInPairs = 0;
        for (List<Crystal> group : byComposition.values()) {
            for (int i = 0; i < group.size(); i++) {
                for (int j = i + 1; j < group.size(); j++) {
                    Crystal a = group.get(i);
                    Crystal b = group.get(j);
                    if (!close(a, b, tol)) {
                        continue;
                    }
                    pairs++;
                    pairsByOrderings.merge(orderings(a, b), 1, Integer::sum);
                    for (Map.Entry<String, double[]> e : a.tmMoments().entrySet()) {
                        double[] x = e.getValue();
                        double[] y = b.tmMoments().get(e.getKey());
                        for (int k = 0; y != null && k < Math.min(x.length, y.length); k++) {
                            diffs.add(Math.abs(x[k] - y[k]));
                            diffsByElement.computeIfAbsent(e.getKey(), z -> new ArrayList<>()).add(Math.abs(x[k] - y[k]));
                            diffsByOrderings.computeIfAbsent(orderings(a, b), z -> new ArrayList<>()).add(Math.abs(x[k] - y[k]));
                        }
                    }
                    for (Crystal c : List.of(a, b)) {
                        if (inPairs.add(c.id())) {
                            tmSitesInPairs += c.tmSites();
                        }
                    }
                }
            }
        }
        if (!print) {
            return inPairs;
        }
        double[] d = diffs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double mean = Arrays.stream(d).average().orElse(Double.NaN);
        double over1 = Arrays.stream(d).filter(v -> v > 1.0).count() / (double) d.length;
        System.out.printf(Locale.ROOT, "%s: %d records (paper_filter), %d TM sites%n", data, records, tmSitesAll);
        System.out.printf(Locale.ROOT, "pairs within %.1f%% (composition, sorted lattice lengths, volume): %d, over %d crystals holding %d TM sites "
                + "(%.1f%% of all TM sites)%n", 100 * tol, pairs, inPairs.size(), tmSitesInPairs, 100.0 * tmSitesInPairs / tmSitesAll);
        System.out.printf(Locale.ROOT, "TM site pairs compared: %d; |difference| mean %.3f, median %.3f, p90 %.3f μB; %.1f%% over 1 μB%n", d.length, mean,
                d[d.length / 2], d[(int) (0.9 * d.length)], 100 * over1);
        System.out.printf(Locale.ROOT, "floor on those sites for any structure-only predictor (L1): mean |a - b| / 2 = %.3f μB%n", mean / 2);
        System.out.println("by the two calculations' orderings (read from the signed moments): crystal pairs, TM site pairs, floor (mean |a - b| / 2),"
                + " site pairs over 1 μB");
        diffsByOrderings.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-9s %5d %6d  %.3f μB  %5.1f%%%n", k, pairsByOrderings.get(k), v.size(),
                v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN) / 2, 100.0 * v.stream().filter(x -> x > 1.0).count() / v.size()));
        // if the twins' label spread were typical of every crystal of the same element: each element's floor on its twin
        // pairs, weighted by its share of all TM sites, over the elements with at least MIN_PAIRS site pairs
        System.out.println("per element (at least 1,000 TM sites): TM sites, site pairs compared, floor on them (mean |a - b| / 2), pairs over 1 μB");
        double weighted = 0;
        long covered = 0;
        for (Map.Entry<String, Long> e : tmSitesByElement.entrySet()) {
            List<Double> v = diffsByElement.getOrDefault(e.getKey(), List.of());
            double floor = v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN) / 2;
            if (v.size() >= MIN_PAIRS) {
                weighted += e.getValue() * floor;
                covered += e.getValue();
            }
            if (e.getValue() >= 1000) {
                System.out.printf(Locale.ROOT, "  %-2s %7d %6d  %.3f μB  %5.1f%%%s%n", e.getKey(), e.getValue(), v.size(), floor,
                        100.0 * v.stream().filter(x -> x > 1.0).count() / Math.max(1, v.size()), v.size() >= MIN_PAIRS ? "" : "  (too few pairs)");
            }
        }
        System.out.printf(Locale.ROOT, "the elements with at least %d site pairs hold %d TM sites (%.1f%%); their twins' floors weighted by those "
                + "sites: %.3f μB. An estimate for all their sites if the twins' labels are as ambiguous as the rest of their element's; "
                + "a bound only for the twins themselves.%n", MIN_PAIRS, covered, 100.0 * covered / tmSitesAll, weighted / covered);
        return inPairs;
    }

    /** The pair's two orderings as one key, the same whichever member comes first. */
    private static String orderings(Crystal a, Crystal b) {
        return a.ordering().compareTo(b.ordering()) <= 0 ? a.ordering() + "=" + b.ordering() : b.ordering() + "=" + a.ordering();
    }

    private static boolean close(Crystal a, Crystal b, double tol) {
        for (int k = 0; k < 3; k++) {
            if (Math.abs(a.lengths()[k] - b.lengths()[k]) > tol * a.lengths()[k]) {
                return false;
            }
        }
        return Math.abs(a.volume() - b.volume()) <= tol * a.volume();
    }
}
