package org.persite.graph;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.persite.TestVectors;
import org.persite.structure.Format;
import org.persite.structure.ParseResult;

/** Real-world files (src/test/resources/corpus, with their sources) read and built into graphs as pymatgen does, site for site. */
class CorpusGraphTest {
    static final Path CORPUS = Path.of("src/test/resources/corpus");

    static List<String> inputs() throws IOException {
        try (Stream<Path> s = Files.list(CORPUS.resolve("inputs"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @ParameterizedTest
    @MethodSource("inputs")
    void readAndBuiltAsPymatgenDoes(String name) throws IOException {
        List<ParseResult> r = TestVectors.READER.readFile(CORPUS.resolve("inputs").resolve(name), Format.AUTO);
        assertTrue(r.size() == 1 && r.get(0) instanceof ParseResult.Parsed, name + ": " + r);
        JsonNode exp = TestVectors.JSON.readTree(CORPUS.resolve("expected").resolve(name + ".json").toFile());
        TestVectorGraphTest.check(name, ((ParseResult.Parsed) r.get(0)).value().structure(), exp);
    }
}
