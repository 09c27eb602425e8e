package org.persite.server.grpc;

import java.time.Instant;
import java.util.Optional;
import org.apache.pekko.grpc.javadsl.Metadata;

/** The deadline of a gRPC call, from its {@code grpc-timeout} header. */
final class Deadlines {
    private Deadlines() {
    }

    /** When the call's time is up, or {@link Instant#MAX} when the client set no deadline. */
    static Instant of(Metadata metadata) {
        Optional<String> timeout = metadata.getText("grpc-timeout");
        return timeout.map(t -> parse(t, Instant.now())).orElse(Instant.MAX);
    }

    /**
     * Parses a grpc-timeout value: at most 8 digits and a unit, H (hours), M (minutes), S, m (milli), u
     * (micro) or n (nano). A malformed value means no deadline, as the gRPC specification allows.
     */
    static Instant parse(String value, Instant now) {
        if (value.length() < 2 || value.length() > 9) {
            return Instant.MAX;
        }
        long amount;
        try {
            amount = Long.parseLong(value.substring(0, value.length() - 1));
        } catch (NumberFormatException e) {
            return Instant.MAX;
        }
        if (amount < 0) {
            return Instant.MAX;
        }
        long nanos = switch (value.charAt(value.length() - 1)) {
            case 'H' -> amount * 3_600_000_000_000L;
            case 'M' -> amount * 60_000_000_000L;
            case 'S' -> amount * 1_000_000_000L;
            case 'm' -> amount * 1_000_000L;
            case 'u' -> amount * 1_000L;
            case 'n' -> amount;
            default -> -1;
        };
        return nanos < 0 ? Instant.MAX : now.plusNanos(nanos);
    }
}
