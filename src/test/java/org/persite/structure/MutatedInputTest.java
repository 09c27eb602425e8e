package org.persite.structure;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.persite.TestVectors;

/**
 * Damaged inputs (truncated anywhere, bytes replaced, lines dropped or doubled) never make a reader throw,
 * hang or fail with an internal error: every outcome is a structure or a typed error.
 */
class MutatedInputTest {

    static List<String> inputs() {
        return TestVectors.inputNames();
    }

    @ParameterizedTest
    @MethodSource("inputs")
    void damagedCopiesGiveTypedOutcomesOnly(String name) throws IOException {
        byte[] original = Files.readAllBytes(TestVectors.input(name));
        Random rnd = new Random(name.hashCode());
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int trial = 0; trial < 150; trial++) {
                byte[] b = mutate(original, rnd);
                List<ParseResult> results = TestVectors.READER.read(name, Format.AUTO, b);
                assertFalse(results.isEmpty(), "no outcome at all");
                for (ParseResult r : results) {
                    if (r instanceof ParseResult.Failed f) {
                        assertFalse(f.error().kind() == ErrorKind.INTERNAL, "internal error for trial " + trial + ": " + f.error().getMessage());
                        assertFalse(f.error().reason().isBlank());
                    }
                }
            }
        });
    }

    private static byte[] mutate(byte[] in, Random rnd) {
        String printable = " \n\t0123456789.-+/,;'\"_()?#xyzabcXYZ";
        switch (rnd.nextInt(5)) {
            case 0 -> {
                return java.util.Arrays.copyOf(in, rnd.nextInt(in.length + 1)); // truncated anywhere
            }
            case 1 -> {
                byte[] b = in.clone();
                for (int k = 0; k < 1 + rnd.nextInt(8); k++) {
                    b[rnd.nextInt(b.length)] = (byte) printable.charAt(rnd.nextInt(printable.length()));
                }
                return b;
            }
            case 2, 3 -> {
                String[] lines = new String(in, java.nio.charset.StandardCharsets.UTF_8).split("\n", -1);
                StringBuilder sb = new StringBuilder();
                int victim = rnd.nextInt(lines.length);
                boolean drop = rnd.nextBoolean();
                for (int i = 0; i < lines.length; i++) {
                    if (i == victim && drop) {
                        continue;
                    }
                    sb.append(lines[i]).append('\n');
                    if (i == victim) {
                        sb.append(lines[i]).append('\n');
                    }
                }
                return sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }
            default -> {
                byte[] b = in.clone();
                int at = rnd.nextInt(b.length);
                String word = new String[] {"nan", "1e999", "-0", "?", ".", "'", ";", "loop_", "data_x", "_cell_length_a", "1/0"}[rnd.nextInt(11)];
                byte[] w = word.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                for (int k = 0; k < w.length && at + k < b.length; k++) {
                    b[at + k] = w[k];
                }
                return b;
            }
        }
    }
}
