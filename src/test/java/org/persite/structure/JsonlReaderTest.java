package org.persite.structure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.persite.TestVectors;

class JsonlReaderTest {

    @Test
    void readsTheShippedSampleWithTargets() {
        List<ParseResult> r = TestVectors.READER.readFile(TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl"), Format.AUTO);
        assertEquals(500, r.size());
        int sites = 0;
        for (ParseResult p : r) {
            LabeledStructure ls = assertInstanceOf(ParseResult.Parsed.class, p, () -> p.toString()).value();
            assertEquals(ls.structure().size(), ls.target("magmom").length);
            assertEquals(Boolean.TRUE, ls.attributes().get("paper_filter"));
            sites += ls.structure().size();
        }
        assertEquals(16187, sites); // the count the dataset README gives
        LabeledStructure first = ((ParseResult.Parsed) r.get(0)).value();
        assertTrue(first.structure().source().endsWith("sample_500.jsonl#sk00033"), first.structure().source());
        assertEquals(-0.002, first.target("magmom")[0], 0);
    }

    @Test
    void nullTargetsAreNaNAndABadLineLosesNothing() {
        String jsonl = "{\"id\":\"a\",\"lattice\":[[4,0,0],[0,4,0],[0,0,4]],\"species\":[\"Si\",\"O\"],\"frac_coords\":[[0,0,0],[0.5,0.5,0.5]],\"sigma_iso\":[450.1,null]}\n"
                + "{\"id\":\"b\",\"lattice\":[[4,0,0],[0,4,0],[0,0,4]],\"species\":[\"Si\"],\"frac_coords\":[[0,0,\n"
                + "\n"
                + "{\"id\":\"c\",\"lattice\":[[4,0,0],[0,4,0],[0,0,4]],\"species\":[\"Si\"],\"frac_coords\":[[0,0,0]],\"sigma_iso\":[1.5]}\n";
        List<ParseResult> r = Readers.read("set.jsonl", jsonl);
        assertEquals(3, r.size());
        LabeledStructure a = assertInstanceOf(ParseResult.Parsed.class, r.get(0)).value();
        assertEquals(450.1, a.target("sigma_iso")[0], 0);
        assertTrue(Double.isNaN(a.target("sigma_iso")[1]));
        StructureException e = assertInstanceOf(ParseResult.Failed.class, r.get(1)).error();
        assertEquals(ErrorKind.SYNTAX, e.kind());
        assertEquals(2, e.line());
        assertInstanceOf(ParseResult.Parsed.class, r.get(2));
    }
}
