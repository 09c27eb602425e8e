package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.model.ModelLoadException;

/**
 * The registry's side of a cluster swap, on a real server's registry: a staged version serves only requests that
 * name it; a commit makes it active and keeps the replaced one for requests naming it until its grace ends; an abort
 * drops the staged one and the active one serves on.
 */
class StagedSwapTest {
    @TempDir
    static Path tmp;

    static TestServer ts;

    @BeforeAll
    static void start() throws Exception {
        Path models = tmp.resolve("models");
        HotSwapTest.copy(Path.of("models/magmom/1"), models.resolve("magmom/1"));
        ts = TestServer.start(Map.of("persite.models.directory", models.toString()));
        HotSwapTest.copy(Path.of("models/magmom/2"), models.resolve("magmom/2"));
    }

    @AfterAll
    static void stop() {
        ts.close();
    }

    private static int held(ModelRegistry r, int version) throws ModelRegistry.UnknownModelException {
        ServedModel m = r.acquire("magmom", version);
        try {
            return m.version();
        } finally {
            r.release(m);
        }
    }

    @Test
    void stageCommitDrainAndAbort() throws Exception {
        ModelRegistry r = ts.server.registry();
        assertEquals(1, held(r, 0));
        assertThrows(ModelRegistry.UnknownModelException.class, () -> held(r, 2), "not staged yet");

        r.stage("magmom", 2, false, false); // phase 1: through the gate, not yet active
        assertEquals(1, held(r, 0), "requests that name no version still get the active one");
        assertEquals(2, held(r, 2), "a job pinned to the staged version is served");

        List<Runnable> later = new ArrayList<>();
        ServedModel v1 = r.describe("magmom");
        r.commit("magmom", 2, false, Duration.ofHours(1), (delay, task) -> later.add(task));
        assertEquals(2, held(r, 0));
        assertEquals(1, held(r, 1), "the replaced version serves jobs pinned to it during its grace");
        assertEquals(List.of("v1 (draining)"), r.otherLoadedVersions("magmom"));
        assertEquals(1, later.size());
        later.get(0).run(); // the grace is over
        assertThrows(ModelRegistry.UnknownModelException.class, () -> held(r, 1));
        assertTrue(v1.isClosed(), "closed once no request holds it");

        r.stage("magmom", 1, true, false);
        assertEquals(1, held(r, 1));
        r.abort("magmom", 1);
        assertThrows(ModelRegistry.UnknownModelException.class, () -> held(r, 1));
        assertEquals(2, held(r, 0), "after an abort the active version serves on");
        assertTrue(r.otherLoadedVersions("magmom").isEmpty());
        ModelLoadException notStaged = assertThrows(ModelLoadException.class,
                () -> r.commit("magmom", 1, false, Duration.ZERO, (d, t) -> t.run()));
        assertTrue(notStaged.getMessage().contains("was not staged"), notStaged.getMessage());
        assertFalse(r.describe("magmom").isClosed());
    }
}
