package org.persite.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.persite.TestVectors;
import org.persite.structure.Format;
import org.persite.structure.ParseResult;
import org.persite.structure.Structure;

/**
 * The shipped sample holds each structure twice: as a JSON line (lattice matrix) and as a P1 CIF (cell
 * parameters, so a rotated frame). Both must give the same graph distances.
 */
class CrossFormatTest {

    @Test
    void cifAndJsonLinesGiveTheSameGraphs() {
        List<ParseResult> lines = TestVectors.READER.readFile(TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl"), Format.JSONL);
        CrystalGraphBuilder b = new CrystalGraphBuilder(8.0, 12);
        for (int n = 0; n < lines.size(); n += 10) {
            Structure fromJson = ((ParseResult.Parsed) lines.get(n)).value().structure();
            String id = fromJson.source().substring(fromJson.source().indexOf('#') + 1);
            Structure fromCif = TestVectors.parseOne(TestVectors.data("mp_magmom_tmo/sample_500/cif/" + id + ".cif"));
            assertEquals(fromJson.size(), fromCif.size(), id);
            assertArrayEquals(fromJson.atomicNumbers(), fromCif.atomicNumbers(), id);
            CrystalGraph gj = b.build(fromJson);
            CrystalGraph gc = b.build(fromCif);
            assertArrayEquals(gj.countWithinCutoff(), gc.countWithinCutoff(), id);
            assertArrayEquals(gj.neighborDistance(), gc.neighborDistance(), 1e-4f, id);
        }
    }
}
