package org.persite.structure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.persite.TestVectors;
import org.persite.graph.CellListOverlapFinder;

/**
 * CIFs that name their space group (Hermann–Mauguin with and without spaces, with origin and axes suffixes, a Hall
 * symbol, only a number) and list no operations are expanded as pymatgen expands them, site for site, with a warning;
 * a listed operation set that disagrees with the symbol wins, with a warning; an unknown symbol is refused clearly;
 * and with strict limits the assumption is refused.
 */
class CifSpaceGroupTest {
    static final Path DIR = Path.of("src/test/resources/cif-symbols");

    static ParseResult.Parsed read(String file, StructureReader reader) {
        List<ParseResult> r = reader.readFile(DIR.resolve(file), Format.CIF);
        assertEquals(1, r.size());
        assertTrue(r.get(0) instanceof ParseResult.Parsed, file + ": " + r.get(0));
        return (ParseResult.Parsed) r.get(0);
    }

    /** Every expected site [species, x, y, z] has one site of the structure on it (fractional, modulo 1, within 1e-4). */
    static void assertSameSites(List<double[]> expected, List<String> species, Structure s, String what) {
        assertEquals(expected.size(), s.size(), what + ": site count");
        boolean[] used = new boolean[s.size()];
        for (int e = 0; e < expected.size(); e++) {
            int found = -1;
            for (int i = 0; i < s.size() && found < 0; i++) {
                if (used[i] || !s.species(i).equals(species.get(e))) {
                    continue;
                }
                boolean same = true;
                for (int a = 0; a < 3; a++) {
                    double d = s.frac(i, a) - expected.get(e)[a];
                    d -= Math.round(d);
                    same &= Math.abs(d) < 1e-4;
                }
                if (same) {
                    found = i;
                }
            }
            assertTrue(found >= 0, what + ": no site for " + species.get(e) + " " + java.util.Arrays.toString(expected.get(e)));
            used[found] = true;
        }
    }

    @Test
    void symbolsAndNumbersExpandAsPymatgenExpandsThem() throws Exception {
        JsonNode expected = TestVectors.JSON.readTree(DIR.resolve("expected-pymatgen.json").toFile());
        for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            List<double[]> sites = new ArrayList<>();
            List<String> species = new ArrayList<>();
            for (JsonNode site : e.getValue()) {
                species.add(site.get(0).asText());
                sites.add(new double[] {site.get(1).asDouble(), site.get(2).asDouble(), site.get(3).asDouble()});
            }
            ParseResult.Parsed p = read(e.getKey(), TestVectors.READER);
            assertSameSites(sites, species, p.value().structure(), e.getKey());
            assertEquals(1, p.warnings().size(), e.getKey() + ": one warning: " + p.warnings());
        }
    }

    @Test
    void theWarningsSayWhatWasAssumed() {
        assertTrue(read("c2m.cif", TestVectors.READER).warnings().get(0).contains("the 8 operations of C2/m:b1 (No. 12, Hall '-C 2y') were built "
                + "from the Hermann-Mauguin symbol"), read("c2m.cif", TestVectors.READER).warnings().toString());
        assertTrue(read("p21n.cif", TestVectors.READER).warnings().get(0).contains("from the Hall symbol"));
        assertTrue(read("fm3m-number.cif", TestVectors.READER).warnings().get(0).contains("192 operations of Fm-3m (No. 225"));
        // the list wins over the symbol: 8 sites, not the 16 that C-centring would give
        String trap = read("c2c-nocentring.cif", TestVectors.READER).warnings().get(0);
        assertTrue(trap.contains("4 listed symmetry operations differ from those of C2/c") && trap.contains("the list is used"), trap);
    }

    /** Real files that give both a symbol and the operation list: the two agree, so nothing is said. */
    @Test
    void aListThatAgreesWithItsSymbolGivesNoWarning() {
        for (String f : List.of("diffpy-PbTe.cif", "pymatgen-cod-1000208.cif", "diffpy-curlybrackets.cif")) {
            List<ParseResult> r = TestVectors.READER.readFile(Path.of("src/test/resources/corpus/inputs").resolve(f), Format.CIF);
            ParseResult.Parsed p = (ParseResult.Parsed) r.get(0);
            assertTrue(p.warnings().isEmpty(), f + ": " + p.warnings());
        }
    }

    /** pymatgen 2022.11 misreads these two; they are checked against the textbook structures. */
    @Test
    void originChoiceTwoAndHexagonalAxes() {
        Structure si = read("fd3m-2.cif", TestVectors.READER).value().structure();
        assertEquals(8, si.size(), "diamond Si from origin choice 2");
        double[] cart = si.cartesianCoordinates();
        double nearest = Double.MAX_VALUE;
        for (int j = 1; j < si.size(); j++) {
            double d2 = 0;
            for (int a = 0; a < 3; a++) {
                double d = si.frac(j, a) - si.frac(0, a);
                d -= Math.round(d);
                d2 += d * d;
            }
            nearest = Math.min(nearest, Math.sqrt(d2) * 5.431);
        }
        assertEquals(5.431 * Math.sqrt(3) / 4, nearest, 1e-4, "Si-Si bond a·√3/4");
        assertTrue(cart.length == 24);
        Structure si1 = read("fd3m-1.cif", TestVectors.READER).value().structure();
        assertEquals(8, si1.size(), "origin choice 1 by default, as pymatgen");
        Structure lco = read("r3m-h.cif", TestVectors.READER).value().structure();
        assertEquals(12, lco.size());
        assertEquals("Li3Co3O6", lco.formula());
    }

    @Test
    void anUnknownSymbolIsRefusedClearlyAndStrictRefusesAssumptions(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        String text = Files.readString(DIR.resolve("c2m.cif")).replace("'C 1 2/m 1'", "'X 9/9 9'");
        List<ParseResult> r = TestVectors.READER.read("odd.cif", Format.CIF, text);
        StructureException e = ((ParseResult.Failed) r.get(0)).error();
        assertEquals(ErrorKind.UNSUPPORTED, e.kind());
        assertTrue(e.getMessage().contains("space group 'X 9/9 9' is not a space group persite knows") && e.getMessage().contains(":8:"), e.getMessage());

        StructureReader strict = new StructureReader(StructureLimits.DEFAULTS.withStrict(true), CellListOverlapFinder.INSTANCE);
        ParseResult refused = strict.readFile(DIR.resolve("c2m.cif"), Format.CIF).get(0);
        assertTrue(refused instanceof ParseResult.Failed f && f.error().kind() == ErrorKind.ASSUMPTION
                && f.error().getMessage().contains("strict"), refused.toString());
        // a file that assumes nothing reads the same under strict limits
        assertTrue(strict.readFile(TestVectors.input("cod-1000041.cif"), Format.CIF).get(0) instanceof ParseResult.Parsed);
    }
}
