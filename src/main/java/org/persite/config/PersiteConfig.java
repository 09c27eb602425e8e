package org.persite.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.persite.graph.ElementTable;
import org.persite.graph.FeaturizerSettings;
import org.persite.structure.StructureLimits;
import org.persite.train.TrustHeadSettings;

/**
 * The {@code persite} section of the configuration, as typed settings. Defaults come from
 * {@code reference.conf}; {@code -Dconfig.file=conf/application.conf} (set by {@code bin/persite}) overrides.
 */
public final class PersiteConfig {
    private final Config root;

    public PersiteConfig(Config config) {
        this.root = config.getConfig("persite");
    }

    /** The configuration the JVM was started with (system properties, config.file, reference.conf). */
    public static PersiteConfig load() {
        return new PersiteConfig(ConfigFactory.load());
    }

    public Config section() {
        return root;
    }

    /** Structure limits; the element limit is also capped by what the element table covers. */
    public StructureLimits structureLimits(ElementTable table) {
        StructureLimits l = StructureLimits.fromConfig(root.getConfig("structure"));
        return l.maxAtomicNumber() > table.maxAtomicNumber() ? l.withMaxAtomicNumber(table.maxAtomicNumber()) : l;
    }

    public FeaturizerSettings featurizerSettings(ElementTable table) {
        return FeaturizerSettings.fromConfig(root.getConfig("graph"), table);
    }

    /** How a new version's trust head is fitted ({@code persite.trust-head}). */
    public TrustHeadSettings trustHeadSettings() {
        return TrustHeadSettings.fromConfig(root.getConfig("trust-head"));
    }
}
