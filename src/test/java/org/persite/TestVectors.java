package org.persite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.persite.graph.CellListOverlapFinder;
import org.persite.structure.Format;
import org.persite.structure.ParseResult;
import org.persite.structure.Structure;
import org.persite.structure.StructureLimits;
import org.persite.structure.StructureReader;

/**
 * Access to the test vectors in src/test/resources/testvectors (a copy of the independent pymatgen
 * results) and to the shipped datasets in data/.
 */
public final class TestVectors {
    public static final ObjectMapper JSON = new ObjectMapper();
    public static final StructureReader READER = new StructureReader(StructureLimits.DEFAULTS, CellListOverlapFinder.INSTANCE);

    private TestVectors() {
    }

    public static Path root() {
        try {
            return Path.of(TestVectors.class.getResource("/testvectors").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path input(String name) {
        return root().resolve("inputs").resolve(name);
    }

    /** Names of every file in inputs/, sorted. */
    public static List<String> inputNames() {
        try (Stream<Path> s = Files.list(root().resolve("inputs"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every file in bad/, sorted. */
    public static List<Path> badFiles() {
        try (Stream<Path> s = Files.list(root().resolve("bad"))) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** expected/&lt;input&gt;.json (for POSCAR-x the file is POSCAR-x.json). */
    public static JsonNode expected(String inputName) {
        try {
            return JSON.readTree(root().resolve("expected").resolve(inputName + ".json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The one structure in a test-vector input; fails if it did not parse. */
    public static Structure parseOne(Path file) {
        List<ParseResult> r = READER.readFile(file, Format.AUTO);
        if (r.size() != 1) {
            throw new AssertionError(file + ": expected one structure, got " + r.size());
        }
        if (r.get(0) instanceof ParseResult.Failed f) {
            throw new AssertionError(file + " failed: " + f.error().getMessage());
        }
        return ((ParseResult.Parsed) r.get(0)).value().structure();
    }

    /** The repository's data/ folder (tests run with the project root as working directory). */
    public static Path data(String relative) {
        return Path.of("data").resolve(relative);
    }

    /**
     * Rock salt NaCl in its conventional cubic cell (a Å; Na at 0-3, Cl at 4-7), with the first Na moved to
     * (firstNaX, 0, 0) in fractional coordinates (0 for the ideal crystal): a structure whose shells are known by hand.
     */
    public static Structure rockSalt(double a, double firstNaX) {
        return rockSalt("Na", "Cl", a, firstNaX);
    }

    /** A conventional rock-salt cell of two elements (4 + 4 sites, cation first), its first cation moved to x = firstX. */
    public static Structure rockSalt(String cation, String anion, double a, double firstX) {
        String poscar = """
                %3$s%4$s
                1.0
                %1$s 0 0
                0 %1$s 0
                0 0 %1$s
                %3$s %4$s
                4 4
                Direct
                %2$s 0 0
                0 0.5 0.5
                0.5 0 0.5
                0.5 0.5 0
                0.5 0.5 0.5
                0.5 0 0
                0 0.5 0
                0 0 0.5
                """.formatted(a, firstX, cation, anion);
        return ((org.persite.structure.ParseResult.Parsed) READER.read(cation + anion, org.persite.structure.Format.POSCAR, poscar).get(0)).value().structure();
    }
}
