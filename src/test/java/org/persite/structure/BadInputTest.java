package org.persite.structure;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.persite.TestVectors;

/** Every file in the test vectors' bad/ folder is refused with a typed error naming the file and the problem. */
class BadInputTest {

    /** The kind of problem each bad file has, and a word its reason must contain. */
    private static final Map<String, Object[]> EXPECTED = Map.ofEntries(
            Map.entry("empty.cif", new Object[] {ErrorKind.EMPTY, "empty"}),
            Map.entry("binary-garbage.cif", new Object[] {ErrorKind.BINARY, "binary"}),
            Map.entry("truncated.cif", new Object[] {ErrorKind.SYNTAX, "truncated"}),
            Map.entry("missing-cell-b.cif", new Object[] {ErrorKind.MISSING, "_cell_length_b"}),
            Map.entry("unknown-element.cif", new Object[] {ErrorKind.UNKNOWN_ELEMENT, "Xx1+"}),
            Map.entry("disordered-occupancy.cif", new Object[] {ErrorKind.DISORDER, "occupancy"}),
            Map.entry("nan-coordinate.cif", new Object[] {ErrorKind.BAD_NUMBER, "nan"}),
            Map.entry("zero-volume-cell.cif", new Object[] {ErrorKind.BAD_CELL, "_cell_angle_alpha"}),
            Map.entry("negative-length.cif", new Object[] {ErrorKind.BAD_CELL, "_cell_length_a"}),
            Map.entry("overlapping-atoms.cif", new Object[] {ErrorKind.OVERLAPPING_ATOMS, "0.2000 Å"}),
            Map.entry("no-atoms.cif", new Object[] {ErrorKind.NO_ATOMS, "no rows"}),
            Map.entry("too-many-atoms.cif", new Object[] {ErrorKind.TOO_MANY_ATOMS, "25000 atoms"}),
            Map.entry("POSCAR-count-mismatch", new Object[] {ErrorKind.SYNTAX, "promise 3 atoms"}),
            Map.entry("POSCAR-no-species", new Object[] {ErrorKind.MISSING, "element symbols"}),
            Map.entry("bad-lattice.extxyz", new Object[] {ErrorKind.BAD_CELL, "9 numbers"}));

    static List<Path> badFiles() {
        return TestVectors.badFiles();
    }

    @Test
    void everyBadFileHasAnExpectation() {
        for (Path p : badFiles()) {
            assertTrue(EXPECTED.containsKey(p.getFileName().toString()), "no expectation for " + p);
        }
    }

    @ParameterizedTest
    @MethodSource("badFiles")
    void isRefusedWithAClearTypedError(Path file) {
        String name = file.getFileName().toString();
        // a hang guard, not a timing test: each file must come back, refused, instead of looping or blowing up
        List<ParseResult> results = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> TestVectors.READER.readFile(file, Format.AUTO));
        assertEquals(1, results.size(), name);
        StructureException e = assertInstanceOf(ParseResult.Failed.class, results.get(0), name).error();
        Object[] exp = EXPECTED.get(name);
        assertAll(name,
                () -> assertEquals(exp[0], e.kind(), e.getMessage()),
                () -> assertTrue(e.reason().contains((String) exp[1]), "reason should mention '" + exp[1] + "': " + e.reason()),
                () -> assertTrue(e.getMessage().startsWith(file.toString()), "message should name the file: " + e.getMessage()),
                () -> assertFalse(e.reason().contains("\n"), "one-line reason"),
                () -> assertFalse(e.reason().contains("Exception"), "no stack-trace words: " + e.reason()));
    }

    @Test
    void errorsTiedToALineNameIt() {
        StructureException e = ((ParseResult.Failed) TestVectors.READER.readFile(
                TestVectors.root().resolve("bad/disordered-occupancy.cif"), Format.AUTO).get(0)).error();
        assertEquals(19, e.line());
        assertTrue(e.getMessage().contains("disordered-occupancy.cif:19: "), e.getMessage());
    }
}
