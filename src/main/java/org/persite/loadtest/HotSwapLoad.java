package org.persite.loadtest;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.persite.api.v1.ActivateRequest;
import org.persite.api.v1.AdminClient;

/** The hot-swap scenario: an open-loop stream while versions 1 and 2 of a model alternate every half second. */
final class HotSwapLoad {
    record Result(PhaseResult phase, int swaps, int failedSwaps, Map<Integer, Long> versionsSeen) {
    }

    private HotSwapLoad() {
    }

    static Result run(LoadGenerator gen, String host, int port, ActorSystem<?> system, String token, String model, double rate, Duration phase)
            throws Exception {
        AdminClient admin = AdminClient.create(GrpcClientSettings.connectToServiceAt(host, port, system).withTls(false), system);
        Map<Integer, LongAdder> seen = new ConcurrentHashMap<>();
        try {
            CompletableFuture<PhaseResult> load = CompletableFuture.supplyAsync(() -> {
                try {
                    return gen.streamOpen("hotswap-under-load", rate, phase, r -> seen.computeIfAbsent(r.getModelVersion(), v -> new LongAdder()).increment());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            int swaps = 0;
            int failed = 0;
            long end = System.nanoTime() + phase.toNanos() - 500_000_000L;
            Thread.sleep(500);
            while (System.nanoTime() < end) {
                int version = swaps % 2 == 0 ? 1 : 2;
                try {
                    admin.activate().addHeader("authorization", "Bearer " + token)
                            .invoke(ActivateRequest.newBuilder().setModel(model).setVersion(version).build()).toCompletableFuture().join();
                } catch (RuntimeException e) {
                    failed++;
                }
                swaps++;
                Thread.sleep(500);
            }
            admin.activate().addHeader("authorization", "Bearer " + token)
                    .invoke(ActivateRequest.newBuilder().setModel(model).setVersion(2).build()).toCompletableFuture().join();
            PhaseResult result = load.get(); // every answer is in before the versions are counted
            Map<Integer, Long> versions = new TreeMap<>();
            seen.forEach((v, n) -> versions.put(v, n.sum()));
            return new Result(result, swaps, failed, versions);
        } finally {
            admin.close();
        }
    }
}
