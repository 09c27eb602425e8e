package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestVectors;
import org.persite.api.v1.AdminClient;
import org.persite.api.v1.ModelInfo;
import org.persite.api.v1.RollbackRequest;
import org.persite.model.ModelDirectory;

/**
 * The active version outlives the server: a rollback is written to models/NAME/active.json, a restarted server
 * serves the rolled-back version, in-process prediction uses it too, and rollback reaches versions on disk that
 * this run never activated.
 */
class ActiveVersionTest {
    private static final String TOKEN = "t-active-0123456789";

    @TempDir
    Path tmp;

    @Test
    void aRestartAfterARollbackServesTheRolledBackVersion() throws Exception {
        Path models = tmp.resolve("models");
        HotSwapTest.copy(Path.of("models/magmom/1"), models.resolve("magmom/1"));
        HotSwapTest.copy(Path.of("models/magmom/2"), models.resolve("magmom/2"));
        Map<String, Object> config = Map.of("persite.models.directory", models.toString(), "persite.server.admin-token", TOKEN,
                "persite.models.poll-interval", "200ms");
        try (TestServer ts = TestServer.start(config)) {
            assertEquals(2, predictVersion(ts), "nothing recorded: the newest version");
            // v1 was never active in this run: rollback still finds it on disk
            assertEquals(1, rollback(ts).getVersion());
            assertEquals(1, predictVersion(ts));
            Thread.sleep(600); // several polls: a rollback below the newest version is not undone by polling
            assertEquals(1, predictVersion(ts));
            Throwable none = assertThrows(CompletionException.class, () -> rollback(ts));
            assertTrue(String.valueOf(none.getCause()).contains("no earlier version"), String.valueOf(none.getCause()));
        }
        ModelDirectory.ActiveVersion recorded = ModelDirectory.readActive(models.resolve("magmom"));
        assertEquals(1, recorded.version());
        assertTrue(Files.readString(models.resolve("magmom/active.json")).contains("\"changed\""));

        try (TestServer again = TestServer.start(config)) {
            assertEquals(1, predictVersion(again), "the restarted server serves the version that was active");
        }
        // in-process prediction resolves models/magmom to the same version
        assertEquals(models.resolve("magmom/1"), ModelDirectory.resolve(models.resolve("magmom")));
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        assertEquals(0, org.persite.cli.PersiteCli.run(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true), "predict", "--model",
                models.resolve("magmom").toString(), TestVectors.input("cod-1000041.cif").toString()), err.toString());
        assertTrue(out.toString().lines().count() > 1 && out.toString().lines().skip(1).allMatch(l -> l.endsWith(",magmom/1")), out.toString());
    }

    @Test
    void aRecordedVersionThatIsGoneFallsBackToTheNewestWithAReason() throws Exception {
        Path models = tmp.resolve("models");
        HotSwapTest.copy(Path.of("models/magmom/2"), models.resolve("magmom/2"));
        ModelDirectory.writeActive(models.resolve("magmom"), new ModelDirectory.ActiveVersion(7, java.util.List.of()));
        try (TestServer ts = TestServer.start(Map.of("persite.models.directory", models.toString()))) {
            assertEquals(2, predictVersion(ts));
        }
        org.persite.model.ModelLoadException e = assertThrows(org.persite.model.ModelLoadException.class,
                () -> ModelDirectory.resolve(models.resolve("magmom")));
        assertTrue(e.getMessage().contains("names version 7"), e.getMessage());
    }

    private static int predictVersion(TestServer ts) throws Exception {
        String nacl = Files.readString(TestVectors.input("cod-1000041.cif"));
        return ts.client.predict(TestServer.text("v", "nacl.cif", nacl)).toCompletableFuture().join().getModelVersion();
    }

    private static ModelInfo rollback(TestServer ts) {
        AdminClient admin = ts.adminClient();
        try {
            return admin.rollback().addHeader("authorization", "Bearer " + TOKEN).invoke(RollbackRequest.newBuilder().setModel("magmom").build())
                    .toCompletableFuture().join();
        } finally {
            admin.close();
        }
    }
}
