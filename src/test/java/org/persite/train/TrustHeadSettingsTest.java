package org.persite.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.persite.config.PersiteConfig;

/** {@code persite.trust-head}: reference.conf holds the documented defaults, and a bad value is refused with its section's name. */
class TrustHeadSettingsTest {
    @Test
    void referenceConfHoldsTheDefaults() {
        assertEquals(new TrustHeadSettings(16, 0.99, 0.99, "uniform", 64, 500, 8, 200, 0.04), new PersiteConfig(ConfigFactory.defaultReference())
                .trustHeadSettings());
        assertEquals(TrustHeadSettings.defaults(), new PersiteConfig(ConfigFactory.defaultReference()).trustHeadSettings());
    }

    @Test
    void aKeyOverridesItsDefault() {
        PersiteConfig pc = new PersiteConfig(ConfigFactory.parseString("persite.trust-head.residual-std { bins = 4, min-sites = 50 }")
                .withFallback(ConfigFactory.defaultReference()));
        assertEquals(new TrustHeadSettings(16, 0.99, 0.99, "uniform", 64, 500, 4, 50, 0.04), pc.trustHeadSettings());
    }

    @Test
    void badValuesAreRefusedWithTheSectionsName() {
        for (String bad : new String[] {"components = 0", "site-quantile = 1", "threshold-quantile = 0", "sum-weights = sigma",
                "environment-components = -1", "element-scale-sites = -1", "residual-std.bins = -1", "residual-std.min-sites = 0", "residual-std.interval-tail = 0.5"}) {
            PersiteConfig pc = new PersiteConfig(ConfigFactory.parseString("persite.trust-head." + bad).withFallback(ConfigFactory.defaultReference()));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, pc::trustHeadSettings, bad);
            assertTrue(e.getMessage().startsWith("persite.trust-head: "), e.getMessage());
        }
    }
}
