package org.persite.structure;

import java.util.Arrays;

/**
 * An immutable periodic lattice. The matrix has the lattice vectors a, b, c as rows, in Å, so that
 * {@code cartesian = fractional · matrix} for row vectors. A Lattice is always finite and has a volume that
 * is not degenerate; a left-handed matrix (negative determinant) is allowed and has a positive volume.
 */
public final class Lattice {
    /** Smallest accepted cell volume in Å³. */
    public static final double MIN_VOLUME = 1e-3;
    /** Smallest accepted ratio volume / (a·b·c): below it the cell is flat. */
    public static final double MIN_SHAPE_FACTOR = 1e-4;

    private final double[] m;   // [9] row-major, rows a, b, c
    private final double[] inv; // [9] row-major inverse, fractional = cartesian · inv
    private final double volume;

    private Lattice(double[] m) {
        this.m = m;
        double det = m[0] * (m[4] * m[8] - m[5] * m[7])
                - m[1] * (m[3] * m[8] - m[5] * m[6])
                + m[2] * (m[3] * m[7] - m[4] * m[6]);
        this.volume = Math.abs(det);
        this.inv = new double[] {
            (m[4] * m[8] - m[5] * m[7]) / det, (m[2] * m[7] - m[1] * m[8]) / det, (m[1] * m[5] - m[2] * m[4]) / det,
            (m[5] * m[6] - m[3] * m[8]) / det, (m[0] * m[8] - m[2] * m[6]) / det, (m[2] * m[3] - m[0] * m[5]) / det,
            (m[3] * m[7] - m[4] * m[6]) / det, (m[1] * m[6] - m[0] * m[7]) / det, (m[0] * m[4] - m[1] * m[3]) / det
        };
    }

    /**
     * A lattice from its row-major matrix [9] (rows a, b, c in Å).
     *
     * @throws IllegalArgumentException if a number is not finite or the cell is degenerate; the message is
     *     a one-line reason fit for a user
     */
    public static Lattice ofRows(double[] rowMajor) {
        if (rowMajor.length != 9) {
            throw new IllegalArgumentException("a lattice needs 9 numbers, got " + rowMajor.length);
        }
        for (double v : rowMajor) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("lattice has a non-finite number: " + v);
            }
        }
        Lattice lattice = new Lattice(rowMajor.clone());
        lattice.checkShape();
        return lattice;
    }

    /**
     * A lattice from cell lengths (Å) and angles (degrees), oriented as pymatgen's
     * {@code Lattice.from_parameters}: c along z, a in the xz plane. Using the same convention keeps
     * Cartesian coordinates comparable with the Python tools.
     */
    public static Lattice fromParameters(double a, double b, double c, double alpha, double beta, double gamma) {
        double[] p = {a, b, c, alpha, beta, gamma};
        for (double v : p) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("cell parameter is not finite: " + v);
            }
        }
        if (a <= 0 || b <= 0 || c <= 0) {
            throw new IllegalArgumentException(String.format("cell lengths must be positive, got a=%s b=%s c=%s", a, b, c));
        }
        if (alpha <= 0 || alpha >= 180 || beta <= 0 || beta >= 180 || gamma <= 0 || gamma >= 180) {
            throw new IllegalArgumentException(String.format(
                    "cell angles must lie strictly between 0 and 180 degrees, got alpha=%s beta=%s gamma=%s", alpha, beta, gamma));
        }
        double ar = Math.toRadians(alpha);
        double br = Math.toRadians(beta);
        double gr = Math.toRadians(gamma);
        double val = (Math.cos(ar) * Math.cos(br) - Math.cos(gr)) / (Math.sin(ar) * Math.sin(br));
        val = Math.max(-1.0, Math.min(1.0, val)); // an impossible angle set clips to a flat cell, refused below
        double gammaStar = Math.acos(val);
        double[] rows = {
            a * Math.sin(br), 0.0, a * Math.cos(br),
            -b * Math.sin(ar) * Math.cos(gammaStar), b * Math.sin(ar) * Math.sin(gammaStar), b * Math.cos(ar),
            0.0, 0.0, c
        };
        Lattice lattice = new Lattice(rows);
        lattice.checkShape();
        return lattice;
    }

    private void checkShape() {
        double[] len = lengths();
        double abc = len[0] * len[1] * len[2];
        // found by fuzzing: a length of 1.9e307 Å is finite, but the volume overflows to infinity and passed the checks below
        if (!Double.isFinite(volume) || !Double.isFinite(abc)) {
            throw new IllegalArgumentException(String.format(
                    "the cell is too large to compute with: lengths %.4g, %.4g, %.4g Å give a volume that overflows", len[0], len[1], len[2]));
        }
        if (!(volume >= MIN_VOLUME) || !(volume >= MIN_SHAPE_FACTOR * abc)) {
            throw new IllegalArgumentException(String.format(
                    "degenerate cell: volume %.6g Å^3 for lengths %.4f, %.4f, %.4f Å (the cell must have a positive volume)",
                    volume, len[0], len[1], len[2]));
        }
    }

    /** Element (row, col) of the matrix; row 0..2 is a, b, c and col 0..2 is x, y, z. */
    public double get(int row, int col) {
        return m[row * 3 + col];
    }

    /** A copy of the row-major matrix [9]. */
    public double[] rowMajor() {
        return m.clone();
    }

    /** Cell volume in Å³ (always positive). */
    public double volume() {
        return volume;
    }

    /** Lengths of a, b, c in Å. */
    public double[] lengths() {
        return new double[] {norm(0), norm(1), norm(2)};
    }

    /** Angles alpha (b^c), beta (a^c), gamma (a^b) in degrees. */
    public double[] angles() {
        return new double[] {angle(1, 2), angle(0, 2), angle(0, 1)};
    }

    /**
     * Distances between opposite faces of the cell, in Å: {@code V / |b × c|}, {@code V / |c × a|},
     * {@code V / |a × b|}. A sphere of radius r around any point spans at most {@code r / w_k} cell widths
     * along axis k, which is what picks the periodic image range in a skewed cell.
     */
    public double[] perpendicularWidths() {
        return new double[] {volume / crossNorm(1, 2), volume / crossNorm(2, 0), volume / crossNorm(0, 1)};
    }

    /** Cartesian position (Å) of fractional coordinates (f0, f1, f2) into {@code out[offset..offset+2]}. */
    public void toCartesian(double f0, double f1, double f2, double[] out, int offset) {
        out[offset] = f0 * m[0] + f1 * m[3] + f2 * m[6];
        out[offset + 1] = f0 * m[1] + f1 * m[4] + f2 * m[7];
        out[offset + 2] = f0 * m[2] + f1 * m[5] + f2 * m[8];
    }

    /** Fractional coordinates of Cartesian position (x, y, z) in Å into {@code out[offset..offset+2]}. */
    public void toFractional(double x, double y, double z, double[] out, int offset) {
        out[offset] = x * inv[0] + y * inv[3] + z * inv[6];
        out[offset + 1] = x * inv[1] + y * inv[4] + z * inv[7];
        out[offset + 2] = x * inv[2] + y * inv[5] + z * inv[8];
    }

    /** This lattice with each vector multiplied by the given integer factors (a supercell). */
    public Lattice scaled(int na, int nb, int nc) {
        double[] r = m.clone();
        for (int k = 0; k < 3; k++) {
            r[k] *= na;
            r[3 + k] *= nb;
            r[6 + k] *= nc;
        }
        return new Lattice(r);
    }

    private double norm(int row) {
        double x = m[row * 3];
        double y = m[row * 3 + 1];
        double z = m[row * 3 + 2];
        return Math.sqrt(x * x + y * y + z * z);
    }

    private double angle(int r1, int r2) {
        double dot = m[r1 * 3] * m[r2 * 3] + m[r1 * 3 + 1] * m[r2 * 3 + 1] + m[r1 * 3 + 2] * m[r2 * 3 + 2];
        double c = Math.max(-1, Math.min(1, dot / (norm(r1) * norm(r2))));
        return Math.toDegrees(Math.acos(c));
    }

    private double crossNorm(int r1, int r2) {
        double ax = m[r1 * 3], ay = m[r1 * 3 + 1], az = m[r1 * 3 + 2];
        double bx = m[r2 * 3], by = m[r2 * 3 + 1], bz = m[r2 * 3 + 2];
        double cx = ay * bz - az * by;
        double cy = az * bx - ax * bz;
        double cz = ax * by - ay * bx;
        return Math.sqrt(cx * cx + cy * cy + cz * cz);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Lattice l && Arrays.equals(m, l.m);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(m);
    }

    @Override
    public String toString() {
        double[] l = lengths();
        double[] a = angles();
        return String.format("Lattice(a=%.5f b=%.5f c=%.5f alpha=%.4f beta=%.4f gamma=%.4f)", l[0], l[1], l[2], a[0], a[1], a[2]);
    }
}
