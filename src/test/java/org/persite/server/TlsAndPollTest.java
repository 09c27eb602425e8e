package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestVectors;
import org.persite.api.v1.PerSiteGrpc;
import org.persite.api.v1.PredictResponse;

/** TLS from PEM files, and the registry's poll mode (a version dropped into models/ goes live by itself). */
class TlsAndPollTest {
    @TempDir
    Path tmp;

    @Test
    void tlsServesGrpcOverHttp2WithTheConfiguredCertificate() throws Exception {
        Path cert = Path.of("src/test/resources/tls/cert.pem");
        Path key = Path.of("src/test/resources/tls/key.pem");
        try (TestServer ts = TestServer.startWithoutClient(Map.of("persite.server.tls.enabled", "on", "persite.server.tls.certificate", cert.toString(),
                "persite.server.tls.private-key", key.toString()))) {
            ManagedChannel tls = NettyChannelBuilder.forAddress("127.0.0.1", ts.port()).overrideAuthority("localhost")
                    .sslContext(GrpcSslContexts.forClient().trustManager(cert.toFile()).build()).build();
            ManagedChannel plain = NettyChannelBuilder.forAddress("127.0.0.1", ts.port()).usePlaintext().build();
            try {
                PredictResponse r = PerSiteGrpc.newBlockingStub(tls).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .predict(TestServer.text("tls", "nacl.cif", Files.readString(TestVectors.input("cod-1000041.cif"))));
                assertEquals(8, r.getStructures(0).getSitesCount());
                assertThrows(StatusRuntimeException.class, () -> PerSiteGrpc.newBlockingStub(plain).withDeadlineAfter(5, TimeUnit.SECONDS)
                        .predict(TestServer.text("plain", "x.cif", "data_x")), "cleartext is not served on a TLS port");
            } finally {
                tls.shutdownNow();
                plain.shutdownNow();
            }
        }
    }

    @Test
    void pollModeMakesANewVersionLive() throws Exception {
        Path models = tmp.resolve("models");
        HotSwapTest.copy(Path.of("models/magmom/2"), models.resolve("magmom/2"));
        try (TestServer ts = TestServer.start(Map.of("persite.models.directory", models.toString(), "persite.models.poll-interval", "200ms"))) {
            String nacl = Files.readString(TestVectors.input("cod-1000041.cif"));
            assertEquals(2, ts.client.predict(TestServer.text("a", "nacl.cif", nacl)).toCompletableFuture().join().getModelVersion());
            // version 3, the shipped one (no worse than v2, so it passes the gate), written aside and moved in at once
            Path staging = tmp.resolve("staging");
            HotSwapTest.copy(Path.of("models/magmom/3"), staging);
            Files.move(staging, models.resolve("magmom/3"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            int version = 0;
            for (int i = 0; i < 100 && version != 3; i++) {
                Thread.sleep(100);
                version = ts.client.predict(TestServer.text("p" + i, "nacl.cif", nacl)).toCompletableFuture().join().getModelVersion();
            }
            assertEquals(3, version, "the poller activated the new version");
            assertTrue(ts.metric("persite_model_active_version{model=\"magmom\"}") == 3.0);
        }
    }
}
