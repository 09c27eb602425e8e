package org.persite.structure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.List;
import org.persite.TestVectors;

/** Small helpers for reader tests on in-memory text. */
final class Readers {
    private Readers() {
    }

    static List<ParseResult> read(String name, String text) {
        return TestVectors.READER.read(name, Format.AUTO, text);
    }

    static Structure one(String name, String text) {
        List<ParseResult> r = read(name, text);
        assertEquals(1, r.size(), "structures in " + name);
        if (r.get(0) instanceof ParseResult.Failed f) {
            throw new AssertionError("unexpected error: " + f.error().getMessage());
        }
        return ((ParseResult.Parsed) r.get(0)).value().structure();
    }

    static StructureException error(String name, String text) {
        List<ParseResult> r = read(name, text);
        assertEquals(1, r.size(), "results in " + name);
        return assertInstanceOf(ParseResult.Failed.class, r.get(0)).error();
    }
}
