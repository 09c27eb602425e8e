package org.persite.server;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The served models' knobs, from {@code persite.models} (documented in reference.conf).
 *
 * @param directory one folder per model, one integer folder per version
 * @param defaultModel the model a request gets when it names none
 * @param pollInterval how often the directory is scanned for new versions; zero = never
 * @param gateMargin a candidate may be this much worse (relative MAE) than the active version on the gate set
 * @param requireBaseline a candidate's test MAE must be below its own per-element baseline
 * @param maxValidationMaeIncrease the older card-to-card check; negative = off
 */
public record ModelsSettings(Path directory, String defaultModel, Duration pollInterval, double gateMargin, boolean requireBaseline,
        double maxValidationMaeIncrease) {

    public ModelsSettings {
        if (defaultModel.isBlank()) {
            throw new IllegalArgumentException("persite.models.default must name a model");
        }
        if (pollInterval.isNegative()) {
            throw new IllegalArgumentException("persite.models.poll-interval must be >= 0, got " + pollInterval);
        }
        if (!(gateMargin >= 0 && gateMargin < 1)) {
            throw new IllegalArgumentException("persite.models.gate.margin must be in [0, 1), got " + gateMargin);
        }
    }

    /** From the {@code persite.models} section. */
    public static ModelsSettings fromConfig(Config c) {
        return new ModelsSettings(Path.of(c.getString("directory")), c.getString("default"), c.getDuration("poll-interval"),
                c.getDouble("gate.margin"), c.getBoolean("gate.require-baseline"), c.getDouble("gate.max-validation-mae-increase"));
    }
}
