package org.persite.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.persite.graph.CrystalGraph;
import org.persite.structure.Structure;
import org.persite.train.SiteDataset;
import org.persite.train.SiteMetrics;

/**
 * Would first-shell bond angles (issue 20 item 6) tell a model something its distances do not? Asked of a trained
 * model's errors before the angles are built into a network (they would need the neighbours' direction vectors as a
 * new model input).
 *
 * <p>For each TM site of the test split, the first shell is the neighbour slots within {@value #SHELL_FACTOR} × the
 * nearest distance (at most 8); its coordination number CN comes from distances alone, and its shape from the angles
 * between the shell's bonds: the number of near-linear pairs (cos &lt; {@value #TRANS_COS}: an octahedron has 3, a
 * square plane 2, a square pyramid 1, a tetrahedron and a trigonal prism 0). Each TM site's error is corrected by its
 * group's median residual ({@link GroupCorrection}), for three groupings: element and predicted bin (0.5 μB, the control); the same and CN (what distances say); the same,
 * CN and the linear pairs (what the angles add). If the third does not beat the second, angles hold nothing the model
 * misses on this data.
 *
 * <pre>bin/bench-run org.persite.bench.ShellGeometryResidual [models/magmom] [data/mp_magmom_tmo/structures.jsonl.gz]</pre>
 */
public final class ShellGeometryResidual {
    static final double SHELL_FACTOR = 1.2;
    static final double TRANS_COS = -0.9;
    static final int MAX_SHELL = 8;

    public static void main(String[] args) throws Exception {
        ModelTestSplit run = ModelTestSplit.fromArgs(args);
        Map<String, Structure> structures = run.testStructures();
        List<Site> sites = new ArrayList<>();
        Map<String, Integer> shapes = new java.util.TreeMap<>();
        for (int k = 0; k < run.test().size(); k++) {
            SiteDataset.Example ex = run.test().get(k);
            Structure s = structures.get(ex.id());
            CrystalGraph g = ex.graph();
            for (int i = 0; i < g.numSites(); i++) {
                float y = ex.targets()[i];
                if (!SiteMetrics.isTransitionMetal(g.species(i)) || Float.isNaN(y)) {
                    continue;
                }
                int[] shape = shape(s, g, i);
                sites.add(new Site(k % 2, g.species(i), run.predictions().get(k)[i], y, shape[0], shape[1], meanShellDistance(g, i)));
                shapes.merge("CN " + shape[0] + ", " + shape[1] + " linear", 1, Integer::sum);
            }
        }
        double raw = GroupCorrection.raw(sites);
        double control = GroupCorrection.corrected(sites, t -> t.z + "/" + t.bin());
        double cn = GroupCorrection.corrected(sites, t -> t.z + "/" + t.bin() + "/" + t.cn);
        double angles = GroupCorrection.corrected(sites, t -> t.z + "/" + t.bin() + "/" + t.cn + "/" + t.linear);
        double bonds = GroupCorrection.corrected(sites, t -> t.z + "/" + t.bin() + "/" + t.cn + "/" + t.bondBin());
        double bondsCoarse = GroupCorrection.corrected(sites, t -> t.z + "/" + t.bin() + "/" + t.cn + "/" + Math.round(Math.floor(t.shell / 0.1)));
        System.out.printf(Locale.ROOT, "%s v%d on its test split: %d TM sites%n", run.model().spec().name(), run.model().spec().version(), sites.size());
        System.out.printf(Locale.ROOT, "TM MAE as served                                               %.4f μB%n", raw);
        System.out.printf(Locale.ROOT, "corrected by element and predicted bin (control)               %.4f μB (%+.1f%%)%n", control, 100 * (control / raw - 1));
        System.out.printf(Locale.ROOT, "... and coordination number (distances)                        %.4f μB (%+.1f%%)%n", cn, 100 * (cn / raw - 1));
        System.out.printf(Locale.ROOT, "... and coordination number and linear pairs (angles)          %.4f μB (%+.1f%%)%n", angles, 100 * (angles / raw - 1));
        System.out.printf(Locale.ROOT, "... and coordination number and mean shell distance (0.05 Å bins) %.4f μB (%+.1f%%)%n", bonds, 100 * (bonds / raw - 1));
        System.out.printf(Locale.ROOT, "... and coordination number and mean shell distance (0.1 Å bins)  %.4f μB (%+.1f%%)%n", bondsCoarse,
                100 * (bondsCoarse / raw - 1));
        System.out.println("first shells of TM sites:");
        shapes.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(12).forEach(e -> {
            String[] key = e.getKey().replace("CN ", "").replace(" linear", "").split(", ");
            double mae = sites.stream().filter(t -> t.cn == Integer.parseInt(key[0]) && t.linear == Integer.parseInt(key[1]))
                    .mapToDouble(t -> Math.abs(t.prediction - t.label)).average().orElse(Double.NaN);
            System.out.printf(Locale.ROOT, "  %-22s %6d sites, MAE %.3f μB%n", e.getKey(), e.getValue(), mae);
        });
    }

    record Site(int half, int z, float prediction, float label, int cn, int linear, double shell) implements GroupCorrection.Site {
        long bin() {
            return GroupCorrection.bin(prediction);
        }

        /** The first shell's mean distance in 0.05 Å bins: a low- and a high-spin ion differ by about 0.1 Å (Co³⁺ 0.545 / 0.61 Å radii). */
        long bondBin() {
            return Math.round(Math.floor(shell / 0.05));
        }
    }

    /** The mean distance (Å) of site i's first shell: the slots within {@value #SHELL_FACTOR} × the nearest, at most {@value #MAX_SHELL}. */
    static double meanShellDistance(CrystalGraph g, int i) {
        double nearest = Double.POSITIVE_INFINITY;
        for (int k = 0; k < g.maxNeighbors(); k++) {
            if (g.isNeighbor(i, k)) {
                nearest = Math.min(nearest, g.neighborDistance(i, k));
            }
        }
        double sum = 0;
        int n = 0;
        for (int k = 0; k < g.maxNeighbors() && n < MAX_SHELL; k++) {
            if (g.isNeighbor(i, k) && g.neighborDistance(i, k) <= SHELL_FACTOR * nearest) {
                sum += g.neighborDistance(i, k);
                n++;
            }
        }
        return sum / n;
    }

    /** {CN, near-linear pairs} of site i's first shell, from the structure's positions and the graph's neighbour images. */
    static int[] shape(Structure s, CrystalGraph g, int i) {
        int m = g.maxNeighbors();
        double nearest = Double.POSITIVE_INFINITY;
        for (int k = 0; k < m; k++) {
            if (g.isNeighbor(i, k)) {
                nearest = Math.min(nearest, g.neighborDistance(i, k));
            }
        }
        List<double[]> bonds = new ArrayList<>();
        double[] ri = new double[3];
        s.lattice().toCartesian(s.frac(i, 0), s.frac(i, 1), s.frac(i, 2), ri, 0);
        for (int k = 0; k < m && bonds.size() < MAX_SHELL; k++) {
            if (!g.isNeighbor(i, k) || g.neighborDistance(i, k) > SHELL_FACTOR * nearest) {
                continue;
            }
            int j = g.neighborIndex(i, k);
            double[] rj = new double[3];
            s.lattice().toCartesian(s.frac(j, 0) + g.neighborImage(i, k, 0), s.frac(j, 1) + g.neighborImage(i, k, 1),
                    s.frac(j, 2) + g.neighborImage(i, k, 2), rj, 0);
            double d = g.neighborDistance(i, k);
            double check = Math.sqrt((rj[0] - ri[0]) * (rj[0] - ri[0]) + (rj[1] - ri[1]) * (rj[1] - ri[1]) + (rj[2] - ri[2]) * (rj[2] - ri[2]));
            if (Math.abs(check - d) > 1e-3) {
                throw new IllegalStateException(s.source() + " site " + i + " slot " + k + ": the image gives " + check + " Å, the graph " + d);
            }
            bonds.add(new double[] {(rj[0] - ri[0]) / d, (rj[1] - ri[1]) / d, (rj[2] - ri[2]) / d});
        }
        int linear = 0;
        for (int a = 0; a < bonds.size(); a++) {
            for (int b = a + 1; b < bonds.size(); b++) {
                double cos = bonds.get(a)[0] * bonds.get(b)[0] + bonds.get(a)[1] * bonds.get(b)[1] + bonds.get(a)[2] * bonds.get(b)[2];
                if (cos < TRANS_COS) {
                    linear++;
                }
            }
        }
        return new int[] {bonds.size(), linear};
    }
}
