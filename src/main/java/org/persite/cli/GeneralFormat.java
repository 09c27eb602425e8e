package org.persite.cli;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * {@code String.format(Locale.ROOT, "%.Ng", value)} for a float, character for character, without
 * {@link java.util.Formatter}: the rows of a large prediction were spending more time in the Formatter (and in
 * compiling it) than in building their graphs. Same steps as the JDK: the shortest decimal digits of the value
 * widened to double ({@link Double#toString}), rounded half-up to N significant digits, then decimal notation when the
 * rounded value is in [1e-4, 10^N) and scientific ({@code d.ddddde+XX}) otherwise.
 * {@code GeneralFormatTest} checks it against the Formatter itself.
 */
final class GeneralFormat {
    private GeneralFormat() {
    }

    /** Appends {@code value} as {@code %.<precision>g} would (precision at least 1). */
    static StringBuilder append(StringBuilder sb, float value, int precision) {
        if (Float.isNaN(value)) {
            return sb.append("NaN");
        }
        if (Float.isInfinite(value)) {
            return sb.append(value > 0 ? "Infinity" : "-Infinity");
        }
        double d = value;
        if (Double.compare(d, 0.0) < 0) { // -0.0 included, as the Formatter does
            sb.append('-');
            d = -d;
        }
        if (d == 0) {
            sb.append('0');
            if (precision > 1) {
                sb.append('.');
                zeros(sb, precision - 1);
            }
            return sb;
        }
        BigDecimal r = new BigDecimal(Double.toString(d)).round(new MathContext(precision, RoundingMode.HALF_UP));
        int exponent = r.precision() - r.scale() - 1;                  // of the leading digit, after rounding
        if (exponent >= -4 && exponent < precision) {
            return sb.append(r.setScale(precision - 1 - exponent, RoundingMode.UNNECESSARY).toPlainString());
        }
        String digits = r.unscaledValue().toString();
        sb.append(digits.charAt(0));
        if (precision > 1) {
            sb.append('.');
            int have = Math.min(digits.length(), precision) - 1;
            sb.append(digits, 1, 1 + have);
            zeros(sb, precision - 1 - have);
        }
        sb.append(exponent < 0 ? "e-" : "e+");
        int e = Math.abs(exponent);
        if (e < 10) {
            sb.append('0');
        }
        return sb.append(e);
    }

    private static void zeros(StringBuilder sb, int n) {
        for (int i = 0; i < n; i++) {
            sb.append('0');
        }
    }
}
