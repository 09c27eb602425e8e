package org.persite.structure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every one of the 530 settings (all 230 space groups): the operations persite expands from the Hall symbol are
 * exactly those spglib's database lists (an independent implementation; test data in
 * src/test/resources/space-group-operations.txt), they form a group (closed under composition), and each
 * space-group number has its order.
 */
class HallSymbolTest {

    static Map<Integer, List<String>> spglib() throws IOException {
        Map<Integer, List<String>> out = new HashMap<>();
        try (InputStream in = HallSymbolTest.class.getResourceAsStream("/space-group-operations.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t");
                out.put(Integer.parseInt(f[0]), List.of(f[1].split(";")));
            }
        }
        return out;
    }

    @Test
    void all530SettingsExpandToSpglibsOperationsAndFormGroups() throws IOException {
        Map<Integer, List<String>> reference = spglib();
        assertEquals(530, reference.size());
        Set<Integer> numbers = new HashSet<>();
        for (SpaceGroups.Setting s : SpaceGroups.all()) {
            List<HallSymbol.Operation> ops = HallSymbol.operations(s.hall());
            List<String> got = new ArrayList<>(ops.stream().map(HallSymbol.Operation::xyz).toList());
            got.sort(null);
            assertEquals(reference.get(s.hallNumber()), got, "Hall " + s.hallNumber() + " '" + s.hall() + "' (" + s.shortSymbol() + ")");
            Set<String> keys = new HashSet<>();
            ops.forEach(o -> keys.add(o.key()));
            for (HallSymbol.Operation a : ops) {
                for (HallSymbol.Operation b : ops) {
                    assertTrue(keys.contains(a.times(b).key()), "not closed: Hall " + s.hallNumber());
                }
            }
            numbers.add(s.number());
        }
        assertEquals(230, numbers.size());
        assertEquals(192, HallSymbol.operations("-F 4 2 3").size(), "Fm-3m: 48 x 4 centrings");
        assertEquals(1, HallSymbol.operations("P 1").size());
    }
}
