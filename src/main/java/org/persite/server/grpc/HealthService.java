package org.persite.server.grpc;

import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.stream.javadsl.Source;
import org.persite.api.health.Health;
import org.persite.api.health.HealthCheckRequest;
import org.persite.api.health.HealthCheckResponse;
import org.persite.api.health.HealthCheckResponse.ServingStatus;
import org.persite.api.v1.PerSite;

/**
 * grpc.health.v1.Health: SERVING while the server takes work, NOT_SERVING from the start of a graceful
 * shutdown. Knows the server as a whole ("") and {@code persite.v1.PerSite}.
 */
public final class HealthService implements Health {
    private volatile boolean serving = true;

    /** From now on, report NOT_SERVING (called when a shutdown begins). */
    public void stopServing() {
        serving = false;
    }

    /** Whether the server takes work (false from the start of a shutdown): the OIP's ready too. */
    public boolean serving() {
        return serving;
    }

    private ServingStatus current() {
        return serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    }

    private static boolean known(String service) {
        return service.isEmpty() || service.equals(PerSite.name);
    }

    @Override
    public CompletionStage<HealthCheckResponse> check(HealthCheckRequest in) {
        if (!known(in.getService())) {
            return CompletableFuture.failedFuture(new GrpcServiceException(Status.NOT_FOUND.withDescription("unknown service " + in.getService())));
        }
        return CompletableFuture.completedFuture(HealthCheckResponse.newBuilder().setStatus(current()).build());
    }

    /** The status now, then each change (checked every 250 ms); ends after NOT_SERVING. */
    @Override
    public Source<HealthCheckResponse, NotUsed> watch(HealthCheckRequest in) {
        if (!known(in.getService())) {
            return Source.single(HealthCheckResponse.newBuilder().setStatus(ServingStatus.SERVICE_UNKNOWN).build());
        }
        return Source.tick(Duration.ZERO, Duration.ofMillis(250), NotUsed.getInstance())
                .map(t -> current())
                .statefulMap(() -> new ServingStatus[1], (last, s) -> {
                    boolean changed = last[0] != s;
                    last[0] = s;
                    return org.apache.pekko.japi.Pair.create(last, changed ? java.util.Optional.of(s) : java.util.Optional.<ServingStatus>empty());
                }, last -> java.util.Optional.empty())
                .filter(java.util.Optional::isPresent)
                .map(java.util.Optional::get)
                .takeWhile(s -> s != ServingStatus.NOT_SERVING, true)
                .map(s -> HealthCheckResponse.newBuilder().setStatus(s).build())
                .mapMaterializedValue(c -> NotUsed.getInstance());
    }
}
