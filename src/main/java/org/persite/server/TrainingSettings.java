package org.persite.server;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Training through the server, from {@code persite.training} (documented in reference.conf).
 *
 * @param dataDirectory where Admin Train finds datasets by name
 * @param activate whether a trained version goes live (through the gate) when it is written
 * @param whenBusy what a Train request meets while a job runs
 * @param maxQueuedJobs jobs that may wait with {@link WhenBusy#QUEUE}
 * @param isolated train in a child JVM (a native crash there costs the job, not the server)
 */
public record TrainingSettings(String dataDirectory, boolean activate, WhenBusy whenBusy, int maxQueuedJobs, Duration restartBackoffMin,
        Duration restartBackoffMax, boolean isolated, List<String> javaOptions, long addressSpaceMb, Duration stopGrace) {

    /** {@code persite.training.when-busy}. */
    public enum WhenBusy {
        /** Refused with FAILED_PRECONDITION at once. */
        REFUSE,
        /** Queued, up to max-queued-jobs. */
        QUEUE;

        static WhenBusy parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) { // a misspelling must not silently mean "refuse"
                throw new IllegalArgumentException("persite.training.when-busy must be refuse or queue, got '" + s + "'");
            }
        }
    }

    public TrainingSettings {
        if (maxQueuedJobs < 0) {
            throw new IllegalArgumentException("persite.training.max-queued-jobs must be >= 0, got " + maxQueuedJobs);
        }
        if (restartBackoffMin.isNegative() || restartBackoffMax.compareTo(restartBackoffMin) < 0) {
            throw new IllegalArgumentException("persite.training.restart-backoff needs 0 <= min <= max, got " + restartBackoffMin + " and "
                    + restartBackoffMax);
        }
        if (addressSpaceMb < 0) {
            throw new IllegalArgumentException("persite.training.process.address-space-mb must be >= 0 (0 = no limit), got " + addressSpaceMb);
        }
        javaOptions = List.copyOf(javaOptions);
    }

    /** Jobs that may wait behind the running one: 0 unless {@link WhenBusy#QUEUE}. */
    public int queueCapacity() {
        return whenBusy == WhenBusy.QUEUE ? maxQueuedJobs : 0;
    }

    /** From the {@code persite.training} section. */
    public static TrainingSettings fromConfig(Config c) {
        return new TrainingSettings(c.getString("data-directory"), c.getBoolean("activate"), WhenBusy.parse(c.getString("when-busy")),
                c.getInt("max-queued-jobs"), c.getDuration("restart-backoff.min"), c.getDuration("restart-backoff.max"),
                c.getBoolean("process.isolated"), c.getStringList("process.java-options"), c.getLong("process.address-space-mb"),
                c.getDuration("process.stop-grace"));
    }
}
