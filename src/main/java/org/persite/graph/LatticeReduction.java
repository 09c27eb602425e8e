package org.persite.graph;

/**
 * LLL reduction of a 3D lattice basis (δ = 0.75). The reduced basis spans the same lattice with short,
 * nearly orthogonal vectors, so the perpendicular widths of the reduced cell are close to its lengths and
 * a cell-list search needs few periodic images however skewed the input cell was.
 */
final class LatticeReduction {
    private LatticeReduction() {
    }

    /**
     * The unimodular integer matrix U [9] (row-major) with {@code reduced = U · rows}; rows are the basis
     * vectors a, b, c [9] in Å. U is the identity for a basis that is already reduced.
     */
    static long[] lll(double[] rows) {
        double[][] b = {{rows[0], rows[1], rows[2]}, {rows[3], rows[4], rows[5]}, {rows[6], rows[7], rows[8]}};
        long[][] u = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
        int k = 1;
        for (int guard = 0; k < 3 && guard < 10_000; guard++) {
            for (int j = k - 1; j >= 0; j--) {
                double[][] gs = gramSchmidt(b);
                double mu = dot(b[k], gs[j]) / dot(gs[j], gs[j]);
                long q = Math.round(mu);
                if (q != 0) {
                    for (int x = 0; x < 3; x++) {
                        b[k][x] -= q * b[j][x];
                        u[k][x] -= q * u[j][x];
                    }
                }
            }
            double[][] gs = gramSchmidt(b);
            double mu = dot(b[k], gs[k - 1]) / dot(gs[k - 1], gs[k - 1]);
            if (dot(gs[k], gs[k]) >= (0.75 - mu * mu) * dot(gs[k - 1], gs[k - 1])) {
                k++;
            } else {
                double[] tb = b[k];
                b[k] = b[k - 1];
                b[k - 1] = tb;
                long[] tu = u[k];
                u[k] = u[k - 1];
                u[k - 1] = tu;
                k = Math.max(k - 1, 1);
            }
        }
        return new long[] {u[0][0], u[0][1], u[0][2], u[1][0], u[1][1], u[1][2], u[2][0], u[2][1], u[2][2]};
    }

    private static double[][] gramSchmidt(double[][] b) {
        double[][] g = new double[3][];
        for (int i = 0; i < 3; i++) {
            g[i] = b[i].clone();
            for (int j = 0; j < i; j++) {
                double mu = dot(b[i], g[j]) / dot(g[j], g[j]);
                for (int x = 0; x < 3; x++) {
                    g[i][x] -= mu * g[j][x];
                }
            }
        }
        return g;
    }

    private static double dot(double[] a, double[] b) {
        return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    }

    /** The inverse of a unimodular integer matrix [9] (determinant ±1), exactly. */
    static long[] inverse(long[] u) {
        long det = u[0] * (u[4] * u[8] - u[5] * u[7]) - u[1] * (u[3] * u[8] - u[5] * u[6]) + u[2] * (u[3] * u[7] - u[4] * u[6]);
        if (det != 1 && det != -1) {
            throw new IllegalArgumentException("not unimodular: det " + det);
        }
        return new long[] {
            det * (u[4] * u[8] - u[5] * u[7]), det * (u[2] * u[7] - u[1] * u[8]), det * (u[1] * u[5] - u[2] * u[4]),
            det * (u[5] * u[6] - u[3] * u[8]), det * (u[0] * u[8] - u[2] * u[6]), det * (u[2] * u[3] - u[0] * u[5]),
            det * (u[3] * u[7] - u[4] * u[6]), det * (u[1] * u[6] - u[0] * u[7]), det * (u[0] * u[4] - u[1] * u[3])
        };
    }
}
