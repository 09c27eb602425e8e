package org.persite.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.persite.graph.ElementTable;
import org.persite.graph.FeaturizerSettings;
import org.persite.structure.StructureLimits;

class PersiteConfigTest {

    @Test
    void referenceConfHoldsTheDocumentedDefaults() {
        PersiteConfig c = new PersiteConfig(ConfigFactory.defaultReference());
        assertEquals(StructureLimits.DEFAULTS, c.structureLimits(ElementTable.cgcnn()));
        assertEquals(FeaturizerSettings.reference(), c.featurizerSettings(ElementTable.cgcnn()));
    }

    @Test
    void overridesApplyAndTheElementLimitFollowsTheTable() {
        PersiteConfig c = new PersiteConfig(ConfigFactory.parseString(
                "persite.structure.max-atoms = 42\npersite.structure.max-atomic-number = 118\npersite.graph.cutoff = 6")
                .withFallback(ConfigFactory.defaultReference()));
        StructureLimits l = c.structureLimits(ElementTable.cgcnn());
        assertEquals(42, l.maxAtoms());
        assertEquals(100, l.maxAtomicNumber(), "capped at what the element table covers");
        assertEquals(6.0, c.featurizerSettings(ElementTable.cgcnn()).cutoff());
    }
}
