package org.persite.structure;

/**
 * A space-group operation on fractional coordinates, {@code f' = R·f + t}, parsed from its Jones-faithful
 * form ("-x+1/2, y, z"). Immutable.
 */
final class SymmetryOperation {
    static final SymmetryOperation IDENTITY = new SymmetryOperation(new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, new double[3]);

    private final double[] r; // [9] row-major: row = output axis, column = x, y, z
    private final double[] t; // [3]

    private SymmetryOperation(double[] r, double[] t) {
        this.r = r;
        this.t = t;
    }

    /**
     * Parses "x,y,z"-style text.
     *
     * @throws IllegalArgumentException with a one-line reason if the text is not an operation
     */
    static SymmetryOperation parse(String text) {
        String[] parts = text.toLowerCase().replace(" ", "").replace("\t", "").split(",", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("symmetry operation '" + Numbers.clip(text) + "' needs 3 comma-separated parts");
        }
        double[] r = new double[9];
        double[] t = new double[3];
        for (int row = 0; row < 3; row++) {
            parseComponent(parts[row], row, r, t, text);
        }
        double det = r[0] * (r[4] * r[8] - r[5] * r[7]) - r[1] * (r[3] * r[8] - r[5] * r[6]) + r[2] * (r[3] * r[7] - r[4] * r[6]);
        if (Math.abs(Math.abs(det) - 1) > 1e-6) {
            throw new IllegalArgumentException("symmetry operation '" + Numbers.clip(text) + "' is not a rotation (det " + det + ")");
        }
        return new SymmetryOperation(r, t);
    }

    private static void parseComponent(String s, int row, double[] r, double[] t, String whole) {
        if (s.isEmpty()) {
            throw bad(whole);
        }
        int i = 0;
        int n = s.length();
        while (i < n) {
            double sign = 1;
            char c = s.charAt(i);
            if (c == '+' || c == '-') {
                sign = c == '-' ? -1 : 1;
                i++;
            }
            int start = i;
            while (i < n && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.' || s.charAt(i) == '/')) {
                i++;
            }
            double number = 1;
            boolean hasNumber = i > start;
            if (hasNumber) {
                number = fraction(s.substring(start, i), whole);
                if (i < n && s.charAt(i) == '*') {
                    i++;
                }
            }
            if (i < n && s.charAt(i) >= 'x' && s.charAt(i) <= 'z') {
                r[row * 3 + (s.charAt(i) - 'x')] += sign * number;
                i++;
            } else if (hasNumber) {
                t[row] += sign * number;
            } else {
                throw bad(whole);
            }
        }
    }

    private static double fraction(String s, String whole) {
        try {
            int slash = s.indexOf('/');
            if (slash < 0) {
                return Double.parseDouble(s);
            }
            return Double.parseDouble(s.substring(0, slash)) / Double.parseDouble(s.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw bad(whole);
        }
    }

    private static IllegalArgumentException bad(String whole) {
        return new IllegalArgumentException("cannot read symmetry operation '" + Numbers.clip(whole) + "'");
    }

    /** Applies the operation to (x, y, z), writing into {@code out[0..2]}. */
    void apply(double x, double y, double z, double[] out) {
        out[0] = r[0] * x + r[1] * y + r[2] * z + t[0];
        out[1] = r[3] * x + r[4] * y + r[5] * z + t[1];
        out[2] = r[6] * x + r[7] * y + r[8] * z + t[2];
    }

    /** A key equal for equal operations: R, and t reduced to [0, 1) and rounded to 1e-4 (for comparing lists). */
    String canonical() {
        StringBuilder k = new StringBuilder();
        for (double v : r) {
            k.append(Math.round(v)).append(',');
        }
        for (double v : t) {
            double m = v - Math.floor(v);
            long q = Math.round(m * 1e4) % 10000;
            k.append(q).append(',');
        }
        return k.toString();
    }
}
