package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1alpha.ServerReflectionGrpc;
import io.grpc.reflection.v1alpha.ServerReflectionRequest;
import io.grpc.reflection.v1alpha.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.persite.TestVectors;
import org.persite.api.v1.Format;
import org.persite.api.v1.PerSiteGrpc;
import org.persite.api.v1.PredictRequest;
import org.persite.api.v1.PredictResponse;
import org.persite.api.v1.StructureText;
import org.persite.cli.PersiteCli;

/**
 * Clients that are not ours: grpc-java's generated stubs, grpc-java's standard health and reflection
 * clients, and the persite CLI against the same server.
 */
class InteropTest {
    static TestServer ts;
    static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        ts = TestServer.start(Map.of());
        channel = NettyChannelBuilder.forAddress("127.0.0.1", ts.port()).usePlaintext().build();
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        ts.close();
    }

    @Test
    void aPlainGrpcJavaStubCallsPredictAndPredictStream() throws Exception {
        String cif = Files.readString(TestVectors.input("cod-1000041.cif"));
        PredictResponse unary = PerSiteGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .predict(TestServer.text("j1", "nacl.cif", cif));
        assertEquals("j1", unary.getRequestId());
        assertEquals(8, unary.getStructures(0).getSitesCount());

        Collector<PredictResponse> got = new Collector<>();
        StreamObserver<PredictRequest> requests = PerSiteGrpc.newStub(channel).predictStream(got);
        List<String> lines = TestServer.sampleLines();
        for (int i = 0; i < 50; i++) {
            requests.onNext(PredictRequest.newBuilder().setRequestId("j" + i)
                    .setText(StructureText.newBuilder().setFormat(Format.JSONL).setContent(lines.get(i))).build());
        }
        requests.onCompleted();
        List<PredictResponse> out = got.all(60);
        assertEquals(50, out.size());
        for (int i = 0; i < 50; i++) {
            assertEquals("j" + i, out.get(i).getRequestId());
            assertEquals(0, out.get(i).getStatus().getCode(), out.get(i).getStatus().getMessage());
        }
    }

    /** A grpc-java response observer that keeps every message until the call ends. */
    static final class Collector<T> implements StreamObserver<T> {
        final List<T> got = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();

        @Override
        public void onNext(T value) {
            got.add(value);
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
            done.complete(null);
        }

        List<T> all(int seconds) throws Exception {
            done.get(seconds, TimeUnit.SECONDS);
            return got;
        }
    }

    @Test
    void theStandardHealthClientSeesServing() {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.check(HealthCheckRequest.newBuilder().build()).getStatus());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING,
                health.check(HealthCheckRequest.newBuilder().setService("persite.v1.PerSite").build()).getStatus());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> health.check(HealthCheckRequest.newBuilder().setService("no.such.Service").build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING,
                health.withDeadlineAfter(10, TimeUnit.SECONDS).watch(HealthCheckRequest.newBuilder().build()).next().getStatus());
    }

    @Test
    void reflectionListsTheServicesAndServesTheirDescriptors() throws Exception {
        Collector<ServerReflectionResponse> collector = new Collector<>();
        StreamObserver<ServerReflectionRequest> req = ServerReflectionGrpc.newStub(channel).serverReflectionInfo(collector);
        req.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        req.onNext(ServerReflectionRequest.newBuilder().setFileContainingSymbol("persite.v1.PerSite").build());
        req.onCompleted();
        List<ServerReflectionResponse> responses = collector.all(30);
        List<String> services = new ArrayList<>();
        responses.get(0).getListServicesResponse().getServiceList().forEach(s -> services.add(s.getName()));
        assertTrue(services.containsAll(List.of("persite.v1.PerSite", "grpc.health.v1.Health")), services.toString());
        FileDescriptorProto file = FileDescriptorProto.parseFrom(responses.get(1).getFileDescriptorResponse().getFileDescriptorProto(0));
        assertEquals("persite/v1/persite.proto", file.getName());
        assertTrue(file.getServiceList().stream().anyMatch(s -> s.getName().equals("PerSite")
                && s.getMethodList().stream().anyMatch(m -> m.getName().equals("PredictStream") && m.getClientStreaming() && m.getServerStreaming())));
    }

    @Test
    void theCliGivesTheSameRowsThroughTheServerAsInProcess() throws Exception {
        Path examples = Path.of("data/examples");
        String local = cli("predict", examples.toString());
        String remote = cli("predict", "--server", "127.0.0.1:" + ts.port(), examples.toString());
        List<String> a = local.lines().toList();
        List<String> b = remote.lines().toList();
        assertTrue(a.size() > 10, local);
        assertEquals(a.size(), b.size(), remote);
        assertEquals(a.get(0), b.get(0), "same header");
        for (int i = 1; i < a.size(); i++) {
            String[] x = a.get(i).split(",");
            String[] y = b.get(i).split(",");
            // structure,site,element,magmom (μB),magmom_std (μB),magmom_low (μB),magmom_high (μB),domain_score,out_of_domain,model
            assertEquals(x[0] + x[1] + x[2] + x[8] + x[9], y[0] + y[1] + y[2] + y[8] + y[9], "structure, site, element, verdict and model version");
            assertEquals(Double.parseDouble(x[3]), Double.parseDouble(y[3]), 1e-5, a.get(i) + " vs " + b.get(i));
            assertEquals(Double.parseDouble(x[4]), Double.parseDouble(y[4]), 1e-5, "σ: " + a.get(i) + " vs " + b.get(i));
            assertEquals(Double.parseDouble(x[5]), Double.parseDouble(y[5]), 1e-5, "lower bound: " + a.get(i) + " vs " + b.get(i));
            assertEquals(Double.parseDouble(x[6]), Double.parseDouble(y[6]), 1e-5, "upper bound: " + a.get(i) + " vs " + b.get(i));
            assertEquals(Double.parseDouble(x[7]), Double.parseDouble(y[7]), 1e-3, "domain score: " + a.get(i) + " vs " + b.get(i));
        }
        String json = cli("predict", "--server", "127.0.0.1:" + ts.port(), "--format", "json", examples.toString());
        assertTrue(json.lines().findFirst().orElseThrow().matches("\\{\"structure\":\".*\",\"site\":0,\"element\":\"\\w+\",\"magmom\":.*,\"magmom_std\":.*,\"magmom_low\":.*,\"magmom_high\":.*,\"domain_score\":.*,\"out_of_domain\":(true|false),\"model\":\"magmom/9\"}"),
                json);
    }

    @Test
    void theCliReportsBadFilesInItsSummaryAndGoesOn() throws Exception {
        Path bad = TestVectors.root().resolve("bad/unknown-element.cif");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = PersiteCli.run(new PrintWriter(out), new PrintWriter(err), "predict", "--server", "127.0.0.1:" + ts.port(),
                TestVectors.input("cod-1000041.cif").toString(), bad.toString());
        assertEquals(1, code);
        assertEquals(1 + 8, out.toString().lines().count(), "the good file's 8 sites were written");
        assertTrue(err.toString().contains("unknown element 'Xx1+'"), err.toString());
        assertTrue(err.toString().contains("predicted 1 structures (8 atoms)") && err.toString().contains("1 refused"), err.toString());
    }

    private static String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = PersiteCli.run(new PrintWriter(out), new PrintWriter(err), args);
        assertEquals(0, code, err.toString());
        return out.toString();
    }

    @Test
    void aGracefulStopFinishesTheStreamsInFlight() throws Exception {
        TestServer own = TestServer.start(Map.of("persite.server.max-in-flight-per-stream", 8));
        List<String> lines = TestServer.sampleLines();
        List<PredictRequest> reqs = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            reqs.add(PredictRequest.newBuilder().setRequestId("g" + i).setText(StructureText.newBuilder().setFormat(Format.JSONL)
                    .setContent(lines.get(i))).build());
        }
        CompletableFuture<Void> stopping = new CompletableFuture<>();
        CompletableFuture<List<PredictResponse>> all = own.client.predictStream(Source.from(reqs)).map(r -> {
            if (!stopping.isDone()) {
                stopping.complete(null);
                CompletableFuture.runAsync(own.server::stop); // SIGTERM's path, while the stream is running
            }
            return r;
        }).runWith(Sink.seq(), own.clientSystem).toCompletableFuture();
        List<PredictResponse> got = all.get(60, TimeUnit.SECONDS);
        assertEquals(300, got.size(), "every request of the stream in flight was answered");
        got.forEach(r -> assertEquals(0, r.getStatus().getCode(), r.getStatus().getMessage()));
        own.server.system().getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
        own.client.close();
        own.clientSystem.terminate();
    }
}
