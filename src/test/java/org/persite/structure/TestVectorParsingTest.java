package org.persite.structure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.persite.TestVectors;

/** Every input of the test vectors parses to the P1 structure that pymatgen found. */
class TestVectorParsingTest {

    static List<String> inputs() {
        return TestVectors.inputNames();
    }

    @ParameterizedTest
    @MethodSource("inputs")
    void parsesToTheExpectedP1Structure(String name) {
        Structure s = TestVectors.parseOne(TestVectors.input(name));
        JsonNode exp = TestVectors.expected(name);

        for (int r = 0; r < 3; r++) {
            for (int k = 0; k < 3; k++) {
                assertEquals(exp.get("lattice").get(r).get(k).asDouble(), s.lattice().get(r, k), 1e-4, name + " lattice[" + r + "][" + k + "]");
            }
        }
        assertEquals(exp.get("volume").asDouble(), s.lattice().volume(), 1e-3, name + " volume");
        int[] match = SiteMatching.match(s, exp);
        assertEquals(exp.get("species").size(), s.size(), name + " site count");
        for (int i = 0; i < match.length; i++) {
            assertTrue(match[i] >= 0, name + ": expected site " + i + " has no match");
        }
    }
}
