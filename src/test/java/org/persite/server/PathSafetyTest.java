package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.model.ModelLoadException;

/**
 * Model names that try to leave the models directory, written the ways attackers write them: traversal, percent
 * encodings (gRPC strings are never percent-decoded, so these are literal names, and still refused), Unicode look-alikes of
 * '.', '/' and letters, NUL, and a symbolic link. (The gRPC-level refusals are in HotSwapTest and AdminTrainTest.)
 */
class PathSafetyTest {
    @TempDir
    Path tmp;

    @Test
    void onlyPlainAsciiNamesAreModelNames() {
        for (String bad : List.of("..", "../models", "magmom/..", "mag/mom", "mag\\mom", "%2e%2e", "..%2f", "%2e%2e%2fetc", "magmom%00",
                "mag\u0000mom", "\u2024\u2024", "magmom\u2215x", "\uff4dagmom", "magm\u043em", ".hidden", "-rf", "", "a".repeat(65))) {
            assertFalse(ModelRepository.safeName(bad), "refused: " + bad.codePoints().mapToObj(Integer::toHexString).toList());
        }
        for (String ok : List.of("magmom", "ddec-charge", "magmom-ensemble", "m_2.1")) {
            assertTrue(ModelRepository.safeName(ok), ok);
        }
    }

    @Test
    void aVersionFolderThatIsALinkOutOfTheModelsDirectoryIsRefused() throws Exception {
        Path models = Files.createDirectories(tmp.resolve("models/magmom"));
        Path outside = Files.createDirectories(tmp.resolve("elsewhere/7"));
        Files.createSymbolicLink(models.resolve("7"), outside);
        ModelRepository repo = ModelRepository.at(tmp.resolve("models"));
        assertFalse(repo.versions("magmom").contains(7), "a linked-out folder is not listed as a version");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> repo.versionDir("magmom", 7));
        assertTrue(e.getMessage().contains("outside the models directory"), e.getMessage());
        assertEquals(List.of(), repo.versions("magmom"));
    }
}
