package org.persite.model;

import org.persite.graph.CrystalGraph;
import org.persite.graph.ElementTable;

/**
 * A site's first coordination shell as a fixed descriptor of the input alone, the second half of the
 * domain-of-applicability score ({@link Trust.Domain#hasEnvironment()}). The network's own latent can place a site
 * among the training sites of its element although its neighbours are of a kind it never saw beside that element
 * (Fe in FeAl, the S of pyrite's S₂ pairs); this descriptor says so from the neighbours themselves.
 *
 * <p>For site i with neighbour slots m (the graph's M nearest, ascending), distance r_m, mask μ_m and neighbour
 * element Z_m, with r₀ the nearest distance:
 * <pre>
 *   w_m   = μ_m · sigmoid((SHELL_FACTOR · r₀ - r_m) / SOFTNESS)            the soft first shell
 *   e_i   = [ Σ_m w_m · T[Z_m]  (A),  μ_0 · r₀,  Σ_m w_m / M ]             [A + 2]
 * </pre>
 * T is the model's element feature table (CGCNN's 92 one-hot features of group, period, electronegativity, radius...),
 * so e_i counts the first shell's neighbours by kind, then gives the bond length and the coordination number. A site
 * with no neighbour within the cutoff has e = 0. {@link OnnxTrustHead} computes the same in the graph; this class is
 * the oracle it is tested against and what the summary is fitted on.
 */
public final class SiteEnvironment {
    /** A neighbour is in the first shell up to this multiple of the nearest distance (pymatgen's MinimumDistanceNN uses 1.1, hard). */
    public static final double SHELL_FACTOR = 1.2;
    /** The width of the shell's soft edge, Å. */
    public static final double SOFTNESS = 0.05;

    private SiteEnvironment() {
    }

    /** A + 2, the descriptor's width for a table of A features. */
    public static int width(ElementTable table) {
        return table.featureLength() + 2;
    }

    /** The table as [Z + 1, A] row-major, row 0 (padding) and elements the table lacks as zeros. */
    public static float[] tableRows(ElementTable table) {
        int a = table.featureLength();
        float[] out = new float[(table.maxAtomicNumber() + 1) * a];
        for (int z = 1; z <= table.maxAtomicNumber(); z++) {
            if (table.covers(z)) {
                System.arraycopy(table.features(z), 0, out, z * a, a);
            }
        }
        return out;
    }

    /** The descriptors of every site of {@code g}: [n, A + 2] row-major, in float like the graph's. */
    public static float[] describe(CrystalGraph g, ElementTable table) {
        int a = table.featureLength();
        int d = a + 2;
        int m = g.maxNeighbors();
        float[] out = new float[g.numSites() * d];
        for (int i = 0; i < g.numSites(); i++) {
            if (!g.isNeighbor(i, 0)) {
                continue;
            }
            double r0 = g.neighborDistance(i, 0);
            double shell = 0;
            double[] sum = new double[a];
            for (int s = 0; s < m; s++) {
                if (!g.isNeighbor(i, s)) {
                    continue;
                }
                double w = 1 / (1 + Math.exp(-(SHELL_FACTOR * r0 - g.neighborDistance(i, s)) / SOFTNESS));
                float[] f = table.features(g.species(g.neighborIndex(i, s)));
                for (int c = 0; c < a; c++) {
                    sum[c] += w * f[c];
                }
                shell += w;
            }
            for (int c = 0; c < a; c++) {
                out[i * d + c] = (float) sum[c];
            }
            out[i * d + a] = (float) r0;
            out[i * d + a + 1] = (float) (shell / m);
        }
        return out;
    }

    /** The same as rows of doubles, [n][A + 2]. */
    public static double[][] describeRows(CrystalGraph g, ElementTable table) {
        float[] flat = describe(g, table);
        int d = width(table);
        double[][] out = new double[g.numSites()][d];
        for (int i = 0; i < out.length; i++) {
            for (int c = 0; c < d; c++) {
                out[i][c] = flat[i * d + c];
            }
        }
        return out;
    }
}
