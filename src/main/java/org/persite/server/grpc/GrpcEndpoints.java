package org.persite.server.grpc;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.grpc.javadsl.ServerReflection;
import org.apache.pekko.grpc.javadsl.ServiceHandler;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.japi.function.Function;
import org.persite.api.health.Health;
import org.persite.api.health.HealthHandlerFactory;
import org.persite.api.v1.Admin;
import org.persite.api.v1.AdminPowerApi;
import org.persite.api.v1.AdminPowerApiHandlerFactory;
import org.persite.api.v1.PerSite;
import org.persite.api.v1.PerSitePowerApi;
import org.persite.api.v1.PerSitePowerApiHandlerFactory;

/**
 * The one HTTP/2 handler behind the gRPC port: PerSite, Admin, Health, the Open Inference Protocol's
 * GRPCInferenceService and server reflection, with the per-message
 * size limit applied to every request body ({@link GrpcMessageLimit}: an oversized prediction request becomes an item
 * with RESOURCE_EXHAUSTED, an oversized other message ends its call).
 */
public final class GrpcEndpoints {
    private GrpcEndpoints() {
    }

    public static Function<HttpRequest, CompletionStage<HttpResponse>> handler(PerSitePowerApi perSite, AdminPowerApi admin, HealthService health,
            org.persite.api.oip.GRPCInferenceServicePowerApi oip, long maxMessageBytes, ActorSystem<?> system) {
        org.apache.pekko.stream.Materializer mat = org.apache.pekko.stream.SystemMaterializer.get(system).materializer();
        Function<HttpRequest, CompletionStage<HttpResponse>> handler = ServiceHandler.concatOrNotFound(
                PerSitePowerApiHandlerFactory.partial(perSite, PerSite.name, mat, QUIET_ON_CANCEL, system),
                AdminPowerApiHandlerFactory.partial(admin, Admin.name, mat, QUIET_ON_CANCEL, system),
                HealthHandlerFactory.partial(health, Health.name, mat, QUIET_ON_CANCEL, system),
                org.persite.api.oip.GRPCInferenceServicePowerApiHandlerFactory.partial(oip, org.persite.api.oip.GRPCInferenceService.name, mat, QUIET_ON_CANCEL,
                        system),
                ServerReflection.create(List.of(PerSite.description, Admin.description, Health.description,
                        org.persite.api.oip.GRPCInferenceService.description), system));
        return req -> {
            // a per-message limit instead of pekko-http's whole-body limit (a stream is one long body)
            boolean predict = req.getUri().path().startsWith("/" + PerSite.name + "/Predict");
            org.apache.pekko.http.scaladsl.model.RequestEntity body = (org.apache.pekko.http.scaladsl.model.RequestEntity) req.entity();
            return handler.apply(req.withEntity(body.withoutSizeLimit().transformDataBytes(scala(predict
                    ? GrpcMessageLimit.replacingOversized(maxMessageBytes) : GrpcMessageLimit.failingOversized(maxMessageBytes)))));
        };
    }

    /**
     * pekko-grpc's error mapping, except for a call its client cancelled (RST_STREAM): pekko-grpc logs a warning with a
     * stack trace for each, an ordinary event that a rapid-reset flood would turn into a flood of log lines. Those
     * end CANCELLED without a word; every other error goes to pekko-grpc's mapping (and its log) as before.
     */
    static final org.apache.pekko.japi.Function<org.apache.pekko.actor.ActorSystem, org.apache.pekko.japi.Function<Throwable, org.apache.pekko.grpc.Trailers>>
            QUIET_ON_CANCEL = system -> {
                org.apache.pekko.japi.Function<Throwable, org.apache.pekko.grpc.Trailers> standard = org.apache.pekko.grpc.javadsl.GrpcExceptionHandler
                        .defaultMapper().apply(system);
                return t -> cancelledByPeer(t) ? new org.apache.pekko.grpc.Trailers(io.grpc.Status.CANCELLED) : standard.apply(t);
            };

    private static boolean cancelledByPeer(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof org.apache.pekko.http.scaladsl.model.http2.PeerClosedStreamException) {
                return true;
            }
        }
        return false;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static org.apache.pekko.stream.scaladsl.Flow<org.apache.pekko.util.ByteString, org.apache.pekko.util.ByteString, Object> scala(
            org.apache.pekko.stream.javadsl.Flow<org.apache.pekko.util.ByteString, org.apache.pekko.util.ByteString, ?> flow) {
        return (org.apache.pekko.stream.scaladsl.Flow) flow.asScala();
    }
}
