package org.persite.graph;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.persite.TestVectors;
import org.persite.structure.SiteMatching;
import org.persite.structure.Structure;

/** Every site of every test-vector input gets pymatgen's neighbour count and nearest distances. */
class TestVectorGraphTest {

    static List<String> inputs() {
        return TestVectors.inputNames();
    }

    @ParameterizedTest
    @MethodSource("inputs")
    void neighbourCountsAndNearestDistancesMatch(String name) {
        check(name, TestVectors.parseOne(TestVectors.input(name)), TestVectors.expected(name));
    }

    /** Every site of {@code s} against an expected file of the test vectors' format: count within 8 Å, 12 nearest, all within 4 Å. */
    static void check(String name, Structure s, JsonNode exp) {
        assertEquals(8.0, exp.get("cutoff").asDouble());
        assertEquals(12, exp.get("max_neighbors").asInt());
        CrystalGraph g = new CrystalGraphBuilder(8.0, 12).build(s);
        // every neighbour up to 4 Å, not only the 12 nearest: a wide M shows the search misses nothing nearby
        CrystalGraph near = new CrystalGraphBuilder(4.0, 4096).build(s);
        int[] match = SiteMatching.match(s, exp);
        List<Executable> checks = new ArrayList<>();
        for (int e = 0; e < match.length; e++) {
            int i = match[e];
            int site = e;
            JsonNode n = exp.get("neighbors").get(e);
            checks.add(() -> {
                assertTrue(i >= 0, name + " site " + site + " unmatched");
                assertEquals(n.get("count_within_cutoff").asInt(), g.countWithinCutoff(i), name + " site " + site + " count within 8 Å");
                JsonNode nearest = n.get("nearest_distances");
                assertEquals(nearest.size(), g.neighborCount(i), name + " site " + site + " slots filled");
                for (int k = 0; k < nearest.size(); k++) {
                    assertEquals(nearest.get(k).asDouble(), g.neighborDistance(i, k), 1e-4, name + " site " + site + " slot " + k);
                    assertTrue(g.isNeighbor(i, k));
                }
                for (int k = nearest.size(); k < 12; k++) {
                    assertFalse(g.isNeighbor(i, k), name + " site " + site + " slot " + k + " must be masked");
                }
                JsonNode within4 = n.get("distances_within_4");
                assertEquals(within4.size(), near.countWithinCutoff(i), name + " site " + site + " count within 4 Å");
                for (int k = 0; k < within4.size(); k++) {
                    assertEquals(within4.get(k).asDouble(), near.neighborDistance(i, k), 1e-4, name + " site " + site + " within 4 Å #" + k);
                }
            });
        }
        assertAll(name, checks);
    }
}
