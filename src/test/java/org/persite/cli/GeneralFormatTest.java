package org.persite.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link GeneralFormat} against the JDK's own Formatter, the behaviour it replaces. */
class GeneralFormatTest {

    private static void same(float v, int precision) {
        String expected = String.format(Locale.ROOT, "%." + precision + "g", v);
        assertEquals(expected, GeneralFormat.append(new StringBuilder(), v, precision).toString(), () -> "value " + v + " (bits "
                + Integer.toHexString(Float.floatToRawIntBits(v)) + "), precision " + precision);
    }

    @Test
    void edgeCases() {
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE,
            Float.MIN_NORMAL, 1f, -1f, 0.1f, 0.5f, 1e-4f, 9.999995e-5f, 9.9999994e-5f, 1e-5f, 999999.5f, 999999.4f, 1e6f, 123456.5f, 0.00012345f,
            5e-5f, 2.5f, 0.000999999f, 99999.95f, 9.5f, 0.95f, 1.0000005f, 3.4028235e38f, 1.17549435e-38f};
        for (float v : special) {
            for (int p = 1; p <= 8; p++) {
                same(v, p);
            }
        }
    }

    @Test
    void randomFloatsOfEveryMagnitude() {
        SplittableRandom r = new SplittableRandom(19);
        for (int i = 0; i < 300_000; i++) {
            float v = Float.intBitsToFloat(r.nextInt());
            same(v, 6);
            same(v, 4);
        }
    }

    @Test
    void valuesLikePredictions() {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 300_000; i++) {
            float v = (float) ((r.nextDouble() - 0.3) * Math.pow(10, r.nextInt(-7, 8)));
            same(v, 6);
            same(v, 4);
        }
    }
}
