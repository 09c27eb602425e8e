package org.persite.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.persite.structure.Elements;
import org.persite.structure.Structure;
import org.persite.train.SiteDataset;
import org.persite.train.SiteMetrics;

/**
 * How much of a magnetic-moment model's error is the calculation's magnetic ordering, which the structure does not
 * carry (issue 20: "part of the label is how the calculation was started")? The data set holds FM, FiM and AFM
 * calculations; the served target is |magmom|, so the ordering is read back from the signed labels
 * ({@link #ordering}).
 *
 * <p>On the model's test split it prints:
 * <ul>
 *   <li>the TM MAE per ordering;</li>
 *   <li>each TM site's error corrected by its group's median residual ({@link GroupCorrection}), for: element and
 *       predicted bin (the control); the same and whether the cell is a supercell of a smaller one by a pure
 *       translation ({@link #multiplicity}: a structure-only quantity, and the one an AFM calculation leaves, since an
 *       antiferromagnetic cell must be larger than the crystal's); the same and the ordering itself. The last is an
 *       oracle (it is read from the labels), so it bounds what knowing how the calculation was started could add, not
 *       what a structure-only model can.</li>
 * </ul>
 *
 * <pre>bin/bench-run org.persite.bench.MagneticOrderingResidual [models/magmom] [data/mp_magmom_tmo/structures.jsonl.gz]</pre>
 */
public final class MagneticOrderingResidual {
    /** A TM site counts as magnetic from this |moment| (μB) when the ordering is read from the signs. */
    static final double MAGNETIC = 0.5;
    /** A structure with opposite moments is AFM when |Σ m| is at most this share of Σ |m| over its magnetic sites, else FiM. */
    static final double COMPENSATED = 0.1;
    /** Two sites coincide under a translation when they are this close (Å); relaxation in a magnetic cell breaks it a little. */
    static final double TRANSLATION_TOLERANCE = 0.1;

    /** How a calculation's moments are ordered, from the signed moments of its TM sites. */
    enum Ordering {
        /** no TM site at {@value #MAGNETIC} μB or more */
        NM,
        /** every magnetic site the same sign */
        FM,
        /** opposite signs, a net moment */
        FIM,
        /** opposite signs, compensated */
        AFM
    }

    private MagneticOrderingResidual() {
    }

    public static void main(String[] args) throws Exception {
        ModelTestSplit run = ModelTestSplit.fromArgs(args);
        List<Ordering> orderings = orderings(run.test(), run.data());
        Map<String, Structure> structures = run.testStructures();
        List<Site> sites = new ArrayList<>();
        List<Site> allSites = new ArrayList<>();
        Map<String, int[]> crystalsByKind = new TreeMap<>();
        for (int k = 0; k < run.test().size(); k++) {
            SiteDataset.Example ex = run.test().get(k);
            Structure s = structures.get(ex.id());
            if (s == null) {
                throw new IllegalStateException(ex.id() + ": no structure to match the test example");
            }
            Ordering o = orderings.get(k);
            int mult = multiplicity(s, TRANSLATION_TOLERANCE);
            crystalsByKind.computeIfAbsent(o + (mult > 1 ? ", supercell" : ", primitive"), x -> new int[1])[0]++;
            float[] base = run.baseline().predict(ex);
            double[] floor = EquivalentSiteFloor.siteFloors(ex, EquivalentSiteFloor.labelledClasses(ex));
            for (int i = 0; i < ex.graph().numSites(); i++) {
                float y = ex.targets()[i];
                if (Float.isNaN(y)) {
                    continue;
                }
                Site site = new Site(k % 2, ex.graph().species(i), run.predictions().get(k)[i], y, base[i], floor[i], o, mult > 1);
                allSites.add(site);
                if (SiteMetrics.isTransitionMetal(ex.graph().species(i))) {
                    sites.add(site);
                }
            }
        }
        double raw = GroupCorrection.raw(sites);
        double control = GroupCorrection.corrected(sites, t -> t.z + "/" + t.bin());
        double cell = GroupCorrection.corrected(sites, t -> t.z + "/" + t.bin() + "/" + t.supercell);
        double oracle = GroupCorrection.corrected(sites, t -> t.z + "/" + t.bin() + "/" + t.ordering);
        System.out.printf(Locale.ROOT, "%s v%d on its test split: %d crystals, %d TM sites%n", run.model().spec().name(), run.model().spec().version(),
                run.test().size(), sites.size());
        System.out.println("test crystals by ordering (from the signed labels) and cell (a pure translation within " + TRANSLATION_TOLERANCE + " Å):");
        crystalsByKind.forEach((kind, n) -> System.out.printf(Locale.ROOT, "  %-18s %5d%n", kind, n[0]));
        System.out.println("MAE by ordering, and by cell, against the per-element average (of the training split) on the same sites:");
        for (Ordering o : Ordering.values()) {
            print("  " + o, sites.stream().filter(t -> t.ordering == o).toList(), allSites.stream().filter(t -> t.ordering == o).toList());
        }
        print("  supercell", sites.stream().filter(t -> t.supercell).toList(), allSites.stream().filter(t -> t.supercell).toList());
        print("  primitive", sites.stream().filter(t -> !t.supercell).toList(), allSites.stream().filter(t -> !t.supercell).toList());
        print("  all", sites, allSites);
        System.out.printf(Locale.ROOT, "if the FiM calculations' sites were at the FM calculations' ratio to the per-element average: all %.3f×, TM %.3f×%n",
                asIfFm(allSites), asIfFm(sites));
        System.out.printf(Locale.ROOT, "TM MAE as served                                             %.4f μB%n", raw);
        System.out.printf(Locale.ROOT, "corrected by element and predicted bin (control)             %.4f μB (%+.1f%%)%n", control, 100 * (control / raw - 1));
        System.out.printf(Locale.ROOT, "... and whether the cell is a supercell (structure only)     %.4f μB (%+.1f%%)%n", cell, 100 * (cell / raw - 1));
        System.out.printf(Locale.ROOT, "... and the ordering (an oracle: read from the labels)       %.4f μB (%+.1f%%)%n", oracle, 100 * (oracle / raw - 1));
        System.out.println("per element (2,000 TM test sites or more): MAE as served, FM sites' MAE, AFM and FiM sites' MAE, after the oracle correction");
        Map<Integer, Integer> count = new TreeMap<>();
        sites.forEach(t -> count.merge(t.z, 1, Integer::sum));
        count.forEach((z, n) -> {
            if (n >= 2000) {
                List<Site> el = sites.stream().filter(t -> t.z == z).toList();
                double after = GroupCorrection.corrected(el, t -> t.bin() + "/" + t.ordering);
                System.out.printf(Locale.ROOT, "  %-2s %6d  %.3f  FM %.3f (%d)  AFM/FiM %.3f (%d)  oracle %.3f μB%n", Elements.symbol(z), n, GroupCorrection.raw(el),
                        GroupCorrection.raw(el.stream().filter(t -> t.ordering == Ordering.FM).toList()), el.stream().filter(t -> t.ordering == Ordering.FM).count(),
                        GroupCorrection.raw(el.stream().filter(t -> t.ordering == Ordering.AFM || t.ordering == Ordering.FIM).toList()),
                        el.stream().filter(t -> t.ordering == Ordering.AFM || t.ordering == Ordering.FIM).count(), after);
            }
        });
    }

    private static void print(String what, List<Site> tm, List<Site> all) {
        System.out.printf(Locale.ROOT, "%-12s all: %7d sites, MAE %.3f μB, per-element %.3f, ratio %.3f   TM: %6d sites, MAE %.3f μB, per-element %.3f, ratio %.3f;"
                + " TM mean label - prediction %+.3f, %.1f%% off by over 1 μB, equivalent sites' floor %.3f μB%n",
                what, all.size(), GroupCorrection.raw(all), baseline(all), GroupCorrection.raw(all) / baseline(all), tm.size(), GroupCorrection.raw(tm),
                baseline(tm), GroupCorrection.raw(tm) / baseline(tm), tm.stream().mapToDouble(t -> t.label - t.prediction).average().orElse(Double.NaN),
                100.0 * tm.stream().filter(t -> Math.abs(t.label - t.prediction) > 1).count() / tm.size(),
                tm.stream().mapToDouble(t -> t.equivalentFloor).average().orElse(Double.NaN));
    }

    /** The ratio to the per-element average over {@code sites} with the FiM sites' error replaced by their per-element error times the FM sites' ratio. */
    static double asIfFm(List<Site> sites) {
        List<Site> fm = sites.stream().filter(t -> t.ordering == Ordering.FM).toList();
        double fmRatio = GroupCorrection.raw(fm) / baseline(fm);
        double error = 0;
        for (Site t : sites) {
            error += t.ordering == Ordering.FIM ? fmRatio * Math.abs(t.base - t.label) : Math.abs(t.prediction - t.label);
        }
        return error / sites.size() / baseline(sites);
    }

    private static double baseline(List<Site> sites) {
        return sites.stream().mapToDouble(t -> Math.abs(t.base - t.label)).average().orElse(Double.NaN);
    }

    /** One labelled site: its prediction, label and the per-element average's prediction, and its crystal's ordering and cell. */
    record Site(int half, int z, float prediction, float label, float base, double equivalentFloor, Ordering ordering, boolean supercell) implements GroupCorrection.Site {
        long bin() {
            return GroupCorrection.bin(prediction);
        }
    }

    /** The ordering of one calculation from its sites' atomic numbers and signed moments (μB); only TM sites count. */
    static Ordering ordering(int[] z, double[] moments) {
        double sum = 0;
        double sumAbs = 0;
        boolean up = false;
        boolean down = false;
        for (int i = 0; i < z.length; i++) {
            if (!SiteMetrics.isTransitionMetal(z[i]) || Double.isNaN(moments[i]) || Math.abs(moments[i]) < MAGNETIC) {
                continue;
            }
            sum += moments[i];
            sumAbs += Math.abs(moments[i]);
            up |= moments[i] > 0;
            down |= moments[i] < 0;
        }
        if (!up && !down) {
            return Ordering.NM;
        }
        if (!(up && down)) {
            return Ordering.FM;
        }
        return Math.abs(sum) <= COMPENSATED * sumAbs ? Ordering.AFM : Ordering.FIM;
    }

    /**
     * How many pure translations (the identity included) map the structure onto itself, species on species, within
     * {@code tolerance} Å: 1 for a primitive cell, n for a cell n times as large as its crystal's. The candidates are the
     * displacements from one site of the rarest species to each site of that species.
     */
    static int multiplicity(Structure s, double tolerance) {
        int n = s.size();
        Map<Integer, List<Integer>> bySpecies = new HashMap<>();
        for (int i = 0; i < n; i++) {
            bySpecies.computeIfAbsent(s.atomicNumber(i), x -> new ArrayList<>()).add(i);
        }
        List<Integer> rarest = bySpecies.values().stream().min((a, b) -> a.size() - b.size()).orElseThrow();
        int anchor = rarest.get(0);
        int count = 0;
        double[] cart = new double[3];
        for (int j : rarest) {
            double[] t = {s.frac(j, 0) - s.frac(anchor, 0), s.frac(j, 1) - s.frac(anchor, 1), s.frac(j, 2) - s.frac(anchor, 2)};
            boolean maps = true;
            for (int i = 0; i < n && maps; i++) {
                boolean found = false;
                for (int k : bySpecies.get(s.atomicNumber(i))) {
                    double d0 = wrap(s.frac(i, 0) + t[0] - s.frac(k, 0));
                    double d1 = wrap(s.frac(i, 1) + t[1] - s.frac(k, 1));
                    double d2 = wrap(s.frac(i, 2) + t[2] - s.frac(k, 2));
                    s.lattice().toCartesian(d0, d1, d2, cart, 0);
                    if (cart[0] * cart[0] + cart[1] * cart[1] + cart[2] * cart[2] <= tolerance * tolerance) {
                        found = true;
                        break;
                    }
                }
                maps = found;
            }
            if (maps) {
                count++;
            }
        }
        return count;
    }

    private static double wrap(double f) {
        return f - Math.rint(f);
    }

    /** Each example's ordering, in order, from its record's signed moments in {@code data}. */
    static List<Ordering> orderings(List<SiteDataset.Example> examples, Path data) throws Exception {
        Set<String> ids = new HashSet<>();
        examples.forEach(e -> ids.add(recordId(e.id())));
        Map<String, double[]> signed = signedMoments(data, ids);
        List<Ordering> out = new ArrayList<>();
        for (SiteDataset.Example e : examples) {
            double[] m = signed.get(recordId(e.id()));
            if (m == null || m.length != e.graph().numSites()) {
                throw new IllegalStateException(e.id() + ": no signed moments in " + data + " to match the example");
            }
            int[] z = new int[m.length];
            for (int i = 0; i < z.length; i++) {
                z[i] = e.graph().species(i);
            }
            out.add(ordering(z, m));
        }
        return out;
    }

    /** A data set example's record id: its {@code id} field, without the file the example names before '#'. */
    private static String recordId(String exampleId) {
        return exampleId.substring(exampleId.lastIndexOf('#') + 1);
    }

    /** The signed moments of the records whose id (the record's {@code id}, without the file) is in {@code ids}, in site order. */
    private static Map<String, double[]> signedMoments(Path data, Set<String> ids) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, double[]> out = new HashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(data)), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = json.readTree(line);
                if (!ids.contains(n.path("id").asText())) {
                    continue;
                }
                JsonNode m = n.path("magmom");
                double[] v = new double[m.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = m.get(i).isNull() ? Double.NaN : m.get(i).asDouble();
                }
                out.put(n.path("id").asText(), v);
            }
        }
        return out;
    }
}
