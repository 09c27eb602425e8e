package org.persite.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.persite.inference.BatcherSettings;

/** persite.predict's keys reach the in-process predictor; 0 threads means one per core; nonsense is refused. */
class LocalPredictorSettingsTest {
    private static Config persite(String overrides) {
        return ConfigFactory.parseString(overrides).withFallback(ConfigFactory.defaultReference()).resolve().getConfig("persite");
    }

    @Test
    void readFromTheConfig() {
        Config c = persite("persite.predict.parse-threads = 3, persite.predict.queued-units = 17, persite.inference.max-concurrent-batches = 5");
        LocalPredictor.Settings s = LocalPredictor.Settings.fromConfig(c.getConfig("predict"), BatcherSettings.fromConfig(c.getConfig("inference")));
        assertEquals(3, s.parseThreads());
        assertEquals(17, s.queuedUnits());
        assertEquals(5, s.inferenceThreads());
        assertEquals(256, s.maxBatchAtoms());
        Config d = persite("");
        assertEquals(Runtime.getRuntime().availableProcessors(),
                LocalPredictor.Settings.fromConfig(d.getConfig("predict"), BatcherSettings.fromConfig(d.getConfig("inference"))).parseThreads());
        Config bad = persite("persite.predict.queued-units = 0");
        assertThrows(IllegalArgumentException.class,
                () -> LocalPredictor.Settings.fromConfig(bad.getConfig("predict"), BatcherSettings.fromConfig(bad.getConfig("inference"))));
    }
}
