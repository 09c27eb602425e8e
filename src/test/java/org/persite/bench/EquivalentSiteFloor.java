package org.persite.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.persite.graph.CrystalGraph;
import org.persite.model.LoadedModel;
import org.persite.train.SiteDataset;
import org.persite.train.SiteMetrics;

/**
 * A second label-noise floor of the magnetic moments (issue 20): sites of one crystal that no model of the crystal graph
 * can tell apart, but whose labels differ.
 *
 * <p>Within each test crystal, sites are partitioned by colour refinement (Weisfeiler-Leman) on the model's own graph:
 * a site starts with its element, and each round gives it a new colour from its colour and the sorted multiset of its
 * real neighbour slots' (colour, distance rounded to {@value #DISTANCE_ROUNDING} Å), until the partition stops
 * splitting. Sites of one class have the same M-nearest-neighbour graph around them to any depth, so any model that
 * reads that graph (the per-site CGCNN of any depth and head, and any function of the structure that respects its
 * symmetry, for symmetry-equivalent sites) gives them one value; under L1 the best such value is the class's median
 * label, and {@code Σ |y - median|} over the class is an error no such model can avoid. That is the floor printed,
 * beside the model's own error on the same sites. As a check that the classes are no coarser than the model's view,
 * it prints how far the model's predictions spread inside a class (float rounding only, if the partition is right).
 *
 * <pre>bin/bench-run org.persite.bench.EquivalentSiteFloor [models/magmom] [data/mp_magmom_tmo/structures.jsonl.gz]</pre>
 */
public final class EquivalentSiteFloor {
    /** Distances are compared after rounding to this many Å (the graph holds them in float). */
    static final double DISTANCE_ROUNDING = 1e-3;

    public static void main(String[] args) throws Exception {
        ModelTestSplit run = ModelTestSplit.fromArgs(args);
        LoadedModel m = run.model();
        List<SiteDataset.Example> test = run.test();
        List<float[]> predictions = run.predictions();
        Floor all = new Floor();
        Floor tm = new Floor();
        double widestPredictionSpread = 0;
        for (int k = 0; k < test.size(); k++) {
            SiteDataset.Example ex = test.get(k);
            Map<Integer, List<Integer>> members = labelledClasses(ex);
            double[] floors = siteFloors(ex, members);
            for (List<Integer> sites : members.values()) {
                double[] labels = sites.stream().mapToDouble(i -> ex.targets()[i]).sorted().toArray();
                double lo = Double.POSITIVE_INFINITY;
                double hi = Double.NEGATIVE_INFINITY;
                for (int i : sites) {
                    lo = Math.min(lo, predictions.get(k)[i]);
                    hi = Math.max(hi, predictions.get(k)[i]);
                }
                widestPredictionSpread = Math.max(widestPredictionSpread, hi - lo);
                boolean spread = labels[labels.length - 1] - labels[0] > 1;
                for (int i : sites) {
                    double floor = floors[i];
                    double error = Math.abs(predictions.get(k)[i] - ex.targets()[i]);
                    all.add(floor, error, sites.size() > 1, spread);
                    if (SiteMetrics.isTransitionMetal(ex.graph().species(i))) {
                        tm.add(floor, error, sites.size() > 1, spread);
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "%s v%d, its test split (%d structures); classes by colour refinement, distances to %.0e Å%n", m.spec().name(),
                m.spec().version(), test.size(), DISTANCE_ROUNDING);
        System.out.printf(Locale.ROOT, "largest spread of the model's predictions inside one class: %.2e (float rounding if the classes are right)%n",
                widestPredictionSpread);
        all.print("all sites");
        tm.print("TM sites");
    }

    /** The labelled sites of each class of {@link #classes} of one example's graph, by class id. */
    static Map<Integer, List<Integer>> labelledClasses(SiteDataset.Example ex) {
        int[] cls = classes(ex.graph());
        Map<Integer, List<Integer>> members = new HashMap<>();
        for (int i = 0; i < cls.length; i++) {
            if (!Float.isNaN(ex.targets()[i])) {
                members.computeIfAbsent(cls[i], c -> new ArrayList<>()).add(i);
            }
        }
        return members;
    }

    /** Each labelled site's |label - its class's median label|, what no graph model can avoid [N] (0 where unlabelled). */
    static double[] siteFloors(SiteDataset.Example ex, Map<Integer, List<Integer>> labelledClasses) {
        double[] floor = new double[ex.targets().length];
        for (List<Integer> group : labelledClasses.values()) {
            double median = GroupCorrection.median(group.stream().mapToDouble(i -> ex.targets()[i]).toArray());
            group.forEach(i -> floor[i] = Math.abs(ex.targets()[i] - median));
        }
        return floor;
    }

    /** Colour refinement of one graph's sites to a stable partition: class ids [N]. */
    static int[] classes(CrystalGraph g) {
        int n = g.numSites();
        int[] colour = new int[n];
        for (int i = 0; i < n; i++) {
            colour[i] = g.species(i);
        }
        int count = (int) Arrays.stream(colour).distinct().count();
        for (int round = 0; round < n + 1; round++) {
            Map<String, Integer> ids = new HashMap<>();
            int[] next = new int[n];
            for (int i = 0; i < n; i++) {
                List<String> slots = new ArrayList<>();
                for (int s = 0; s < g.maxNeighbors(); s++) {
                    if (g.isNeighbor(i, s)) {
                        slots.add(colour[g.neighborIndex(i, s)] + "@" + Math.round(g.neighborDistance(i, s) / DISTANCE_ROUNDING));
                    }
                }
                slots.sort(null);
                next[i] = ids.computeIfAbsent(colour[i] + "|" + String.join(",", slots), key -> ids.size());
            }
            colour = next;
            if (ids.size() == count) {
                break; // refinement only splits classes: the same count means the same partition
            }
            count = ids.size();
        }
        return colour;
    }

    /** Floor and model error over a set of sites, split by whether a site shares its class with others. */
    private static final class Floor {
        double floor;
        double error;
        long sites;
        long shared;
        long spread;
        double spreadFloor;
        double spreadError;

        void add(double f, double e, boolean inSharedClass, boolean labelsSpreadOver1) {
            floor += f;
            error += e;
            sites++;
            if (inSharedClass) {
                shared++;
            }
            if (labelsSpreadOver1) {
                spread++;
                spreadFloor += f;
                spreadError += e;
            }
        }

        void print(String what) {
            System.out.printf(Locale.ROOT, "%s: %d labelled; %d (%.1f%%) share their class with another site; %d (%.2f%%) are in a class whose labels"
                    + " span more than 1 μB%n", what, sites, shared, 100.0 * shared / sites, spread, 100.0 * spread / sites);
            System.out.printf(Locale.ROOT, "  floor (class median) %.4f μB over all of them; the model's MAE %.4f; on the spread classes' sites: floor"
                    + " %.3f, model %.3f%n", floor / sites, error / sites, spreadFloor / Math.max(1, spread), spreadError / Math.max(1, spread));
        }
    }
}
