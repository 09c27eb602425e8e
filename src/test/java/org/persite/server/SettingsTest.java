package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

/** The typed settings refuse what the config misspells or leaves out of range, naming the key. */
class SettingsTest {
    private static Config persite(String overrides) {
        return ConfigFactory.parseString(overrides).withFallback(ConfigFactory.defaultReference()).resolve().getConfig("persite");
    }

    @Test
    void whenBusyIsReadAsAnEnumAndAMisspellingIsRefused() {
        assertEquals(TrainingSettings.WhenBusy.REFUSE, TrainingSettings.fromConfig(persite("").getConfig("training")).whenBusy());
        TrainingSettings q = TrainingSettings.fromConfig(persite("persite.training.when-busy = queue").getConfig("training"));
        assertEquals(TrainingSettings.WhenBusy.QUEUE, q.whenBusy());
        assertEquals(4, q.queueCapacity());
        assertEquals(0, TrainingSettings.fromConfig(persite("").getConfig("training")).queueCapacity());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingSettings.fromConfig(persite("persite.training.when-busy = queu").getConfig("training")));
        assertTrue(e.getMessage().contains("when-busy must be refuse or queue, got 'queu'"), e.getMessage());
    }

    @Test
    void modelsSettingsCheckTheirRanges() {
        ModelsSettings m = ModelsSettings.fromConfig(persite("").getConfig("models"));
        assertEquals("magmom", m.defaultModel());
        assertEquals(0.02, m.gateMargin());
        assertThrows(IllegalArgumentException.class, () -> ModelsSettings.fromConfig(persite("persite.models.gate.margin = 1.5").getConfig("models")));
        assertThrows(IllegalArgumentException.class, () -> ModelsSettings.fromConfig(persite("persite.models.poll-interval = -1s").getConfig("models")));
    }

    @Test
    void aShortAdminTokenIsRefusedWithoutBeingEchoed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerSettings.fromConfig(persite("persite.server.admin-token = \"hunter2hunter2\"").getConfig("server")));
        assertTrue(e.getMessage().contains("has 14 characters; it needs at least 16"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), "the token itself is never said: " + e.getMessage());
        assertEquals("0123456789abcdef", ServerSettings.fromConfig(persite("persite.server.admin-token = \"0123456789abcdef\"").getConfig("server"))
                .adminToken());
        assertEquals("", ServerSettings.fromConfig(persite("").getConfig("server")).adminToken(), "empty: the Admin API is off");
    }

    @Test
    void theRemovedPoolSizesAreRefusedWithAdvice() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerSettings.fromConfig(persite("persite.server.parser-pool-size = 4").getConfig("server")));
        assertTrue(e.getMessage().contains("parser-pool-size was removed") && e.getMessage().contains("parse-dispatcher"), e.getMessage());
    }
}
