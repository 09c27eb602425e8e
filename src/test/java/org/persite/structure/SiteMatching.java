package org.persite.structure;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;

/**
 * Matches the sites of an expected structure (test-vector JSON) to ours as a multiset: same species, same
 * position modulo the lattice (within 1e-3 Å). Site order after symmetry expansion is implementation-defined.
 */
public final class SiteMatching {
    private SiteMatching() {
    }

    /** For each expected site e, the index of our matching site, or -1. Each of our sites is used once. */
    public static int[] match(Structure s, JsonNode expected) {
        JsonNode species = expected.get("species");
        JsonNode frac = expected.get("frac_coords");
        int[] out = new int[species.size()];
        Arrays.fill(out, -1);
        boolean[] used = new boolean[s.size()];
        double[] c = new double[3];
        for (int e = 0; e < species.size(); e++) {
            for (int i = 0; i < s.size(); i++) {
                if (used[i] || !s.species(i).equals(species.get(e).asText())) {
                    continue;
                }
                double[] d = new double[3];
                for (int k = 0; k < 3; k++) {
                    double x = s.frac(i, k) - frac.get(e).get(k).asDouble();
                    d[k] = x - Math.rint(x);
                }
                s.lattice().toCartesian(d[0], d[1], d[2], c, 0);
                if (Math.sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]) < 1e-3) {
                    out[e] = i;
                    used[i] = true;
                    break;
                }
            }
        }
        return out;
    }
}
