package org.persite.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.persite.TestVectors;

/** The debugging commands: their output formats are a contract, so they are pinned here. */
class PersiteCliTest {

    record Run(int code, String out, String err) {
        List<JsonNode> jsonLines() throws Exception {
            List<JsonNode> nodes = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (!line.isBlank()) {
                    nodes.add(TestVectors.JSON.readTree(line));
                }
            }
            return nodes;
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = PersiteCli.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    private static String in(String name) {
        return TestVectors.input(name).toString();
    }

    @Test
    void graphJsonHasTheDocumentedShape() throws Exception {
        Run r = run("graph", in("edge-molecule-in-box.cif"), in("cod-1000041.cif"), "--json");
        assertEquals(0, r.code(), r.err());
        List<JsonNode> objs = r.jsonLines();
        assertEquals(2, objs.size());
        JsonNode co2 = objs.get(0);
        assertEquals(in("edge-molecule-in-box.cif"), co2.get("source").asText());
        assertEquals(3, co2.get("lattice").size());
        assertEquals("C", co2.get("species").get(0).asText());
        assertEquals(3, co2.get("frac_coords").get(0).size());
        JsonNode site1 = co2.get("sites").get(1);
        assertEquals(2, site1.get("count_within_cutoff").asInt());
        assertEquals(2, site1.get("neighbors").size(), "masked slots are left out of the JSON");
        JsonNode nb = site1.get("neighbors").get(0);
        assertEquals(0, nb.get("index").asInt());
        assertEquals(1.16, nb.get("distance").asDouble(), 1e-5);
        assertEquals(3, nb.get("image").size());
        JsonNode nacl = objs.get(1);
        assertEquals(8, nacl.get("sites").size());
        assertEquals(12, nacl.get("sites").get(0).get("neighbors").size());
        assertEquals(92, nacl.get("sites").get(0).get("count_within_cutoff").asInt());
    }

    @Test
    void graphOptionsChangeCutoffAndM() throws Exception {
        Run r = run("graph", in("cod-1000041.cif"), "--json", "--cutoff", "3", "--max-neighbors", "4");
        assertEquals(0, r.code(), r.err());
        JsonNode site = r.jsonLines().get(0).get("sites").get(0);
        assertEquals(6, site.get("count_within_cutoff").asInt());
        assertEquals(4, site.get("neighbors").size());
    }

    @Test
    void graphTextShowsEverySlotWithItsMask() {
        Run r = run("graph", in("edge-molecule-in-box.cif"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("site 0 C  (2 within cutoff)"), r.out());
        assertTrue(r.out().contains("mask 0"));
        assertEquals(3 * 12, r.out().lines().filter(l -> l.contains(" mask ")).count());
    }

    @Test
    void parsePrintsP1AndErrorsWithoutLosingTheRest() throws Exception {
        String bad = TestVectors.root().resolve("bad/overlapping-atoms.cif").toString();
        Run r = run("parse", in("cod-1000041.cif"), bad, in("POSCAR-cod-1000050"), "--json");
        assertEquals(1, r.code(), "a refused structure makes the exit code 1");
        List<JsonNode> objs = r.jsonLines();
        assertEquals(3, objs.size(), "the good structures around the bad one are still printed");
        assertEquals(8, objs.get(0).get("species").size());
        assertEquals("OVERLAPPING_ATOMS", objs.get(1).get("error").get("kind").asText());
        assertEquals(12, objs.get(1).get("error").get("line").asInt());
        assertEquals("K", objs.get(2).get("species").get(0).asText());
        assertTrue(r.err().contains("error: " + bad + ":12: sites Fe1 (#0) and Fe2 (#1) are 0.2000 Å apart"), r.err());
    }

    @Test
    void parseTextAndMaxAtoms() {
        Run ok = run("parse", in("edge-rocksalt-supercell-216.cif"));
        assertEquals(0, ok.code());
        assertTrue(ok.out().contains("216 sites"), ok.out());
        Run limited = run("parse", in("edge-rocksalt-supercell-216.cif"), "--max-atoms", "200");
        assertEquals(1, limited.code());
        assertTrue(limited.err().contains("216 atoms is more than the limit of 200"), limited.err());
    }

    @Test
    void missingFilesAndUsageErrors() {
        Run r = run("parse", "no/such/file.cif");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no/such/file.cif: no such file"), r.err());
        assertEquals(2, run("graph").code(), "no FILE is a usage error");
        assertEquals(2, run("graph", in("cod-1000041.cif"), "--cutoff", "abc").code());
        Run negative = run("graph", in("cod-1000041.cif"), "--cutoff", "-1");
        assertEquals(2, negative.code());
        assertTrue(negative.err().contains("cutoff must be a positive number"), negative.err());
        // a cutoff so large that the search would need more than 20 million periodic copies: an error, no crash
        Run huge = run("graph", in("cod-1000041.cif"), "--cutoff", "2000");
        assertEquals(1, huge.code());
        assertTrue(huge.err().contains("periodic copies"), huge.err());
    }

    /** The README's run command: every file in data/examples is a structure, and each one reads. */
    @Test
    void theReadmeRunCommandSucceedsOnTheShippedExamples() throws Exception {
        java.util.List<String> args = new ArrayList<>(List.of("graph", "--json"));
        try (var files = java.nio.file.Files.list(TestVectors.data("examples"))) {
            files.sorted().forEach(p -> args.add(p.toString()));
        }
        Run r = run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertEquals(4, r.jsonLines().size());
    }
}
