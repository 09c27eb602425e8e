package org.persite.cli;

import org.persite.config.HostPort;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.persite.api.v1.AdminClient;

/** A connection to a server's Admin API, for the CLI; the token comes from --token or PERSITE_ADMIN_TOKEN. */
final class AdminConnection implements AutoCloseable {
    final ActorSystem<Void> system;
    final AdminClient admin;
    final org.persite.api.v1.PerSiteClient perSite;
    final String authorization;

    AdminConnection(String server, String token) {
        HostPort address = HostPort.parse(server);
        String t = token != null ? token : System.getenv("PERSITE_ADMIN_TOKEN");
        this.authorization = "Bearer " + (t == null ? "" : t);
        this.system = ActorSystem.create(Behaviors.empty(), "persite-admin", ConfigFactory.load());
        GrpcClientSettings at = GrpcClientSettings.connectToServiceAt(address.host(), address.port(), system).withTls(false);
        this.admin = AdminClient.create(at, system);
        this.perSite = org.persite.api.v1.PerSiteClient.create(at, system);
    }

    /** The one line a failed call prints: its gRPC code and message. */
    static String describe(Throwable t) {
        Throwable c = t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException ? t.getCause() : t;
        io.grpc.Status s = io.grpc.Status.fromThrowable(c);
        String hint = switch (s.getCode()) {
            case UNAUTHENTICATED -> " (give the server's Admin token with --token or the environment variable PERSITE_ADMIN_TOKEN)";
            case PERMISSION_DENIED -> " (the server has no Admin token: start it with PERSITE_ADMIN_TOKEN set)";
            case UNAVAILABLE -> " (is a persite server running there? --server HOST:PORT, or PERSITE_SERVER)";
            default -> "";
        };
        return s.getCode() + (s.getDescription() != null ? ": " + s.getDescription() : "") + hint;
    }

    @Override
    public void close() {
        admin.close();
        perSite.close();
        system.terminate();
    }
}
