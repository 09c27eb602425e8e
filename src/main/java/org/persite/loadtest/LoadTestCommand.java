package org.persite.loadtest;

import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.persite.api.v1.PerSiteClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code persite loadtest}: the load generator of {@code load-tests/run}. It only ever targets the loopback
 * address.
 */
@Command(name = "loadtest", mixinStandardHelpOptions = true,
        header = "Load-test a persite server on this machine and write results and plots.",
        description = {"Load-test a persite server on this machine (loopback only) and write results.json, results.csv and PNG plots.",
            "Scenarios: latency (one 32-atom structure, one call at a time), sweep (open-loop stream rates, finds the knee),",
            "overload (10x the knee, then recovery), screening (one stream of --count structures; memory must stay flat),",
            "unary (closed loop at --concurrency), stream (open loop at --rate), mix (both at once), all (latency, sweep, overload, screening)."})
public final class LoadTestCommand implements Callable<Integer> {
    @Option(names = "--server", defaultValue = "127.0.0.1:50051", description = "gRPC address (loopback only; default ${DEFAULT-VALUE}).")
    String server;

    @Option(names = "--metrics", defaultValue = "http://127.0.0.1:9464/metrics", description = "The server's Prometheus endpoint (for its RSS).")
    URI metrics;

    @Option(names = "--data", defaultValue = "data/mp_magmom_tmo/sample_500/sample_500.jsonl",
            description = "Structures to send (JSON Lines, .gz ok), repeated as needed (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--scenario", defaultValue = "all", description = "latency, sweep, overload, screening, unary, stream, mix or all.")
    String scenario;

    @Option(names = "--phase-seconds", defaultValue = "15", description = "Length of each timed phase (default ${DEFAULT-VALUE}).")
    int phaseSeconds;

    @Option(names = "--rates", split = ",", defaultValue = "250,500,750,1000,1250,1500,2000",
            description = "Sweep rates, structures/s (default ${DEFAULT-VALUE}).")
    List<Double> rates;

    @Option(names = "--rate", defaultValue = "1000", description = "Rate of the stream and mix scenarios, structures/s.")
    double rate;

    @Option(names = "--concurrency", defaultValue = "8", description = "Callers of the unary and mix scenarios.")
    int concurrency;

    @Option(names = "--capacity", description = "Structures/s the overload scenario takes as capacity (default: the sweep's knee).")
    Double capacity;

    @Option(names = "--count", defaultValue = "100000", description = "Structures in the screening stream (default ${DEFAULT-VALUE}).")
    long count;

    @Option(names = "--warmup-seconds", defaultValue = "10", description = "Stream at --rate before measuring (default ${DEFAULT-VALUE}).")
    int warmupSeconds;

    @Option(names = "--out", defaultValue = "load-tests/results/latest", description = "Folder for the results (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--connections", defaultValue = "8", description = "Connections unary calls are spread over (default ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--admin-token", defaultValue = "${env:PERSITE_ADMIN_TOKEN}",
            description = "Admin token: enables the hotswap scenario (versions 1 and 2 of the default model alternate under load).")
    String adminToken;

    @Option(names = "--swap-model", defaultValue = "magmom", description = "Model whose versions 1 and 2 the hotswap scenario alternates.")
    String swapModel;

    @Override
    public Integer call() throws Exception {
        org.persite.config.HostPort address = org.persite.config.HostPort.parse(server);
        String host = address.host();
        int port = address.port();
        if (!InetAddress.getByName(host).isLoopbackAddress() || !InetAddress.getByName(metrics.getHost()).isLoopbackAddress()) {
            System.err.println("error: the load generator only targets the loopback address; got " + server + " and " + metrics);
            return 2;
        }
        Workload workload = Workload.fromJsonl(data, Integer.MAX_VALUE);
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "persite-loadtest");
        List<PerSiteClient> clients = new ArrayList<>();
        for (int c = 0; c < Math.max(1, connections); c++) {
            clients.add(PerSiteClient.create(GrpcClientSettings.connectToServiceAt(host, port, system).withTls(false), system));
        }
        PerSiteClient client = clients.get(0);
        Report report = new Report();
        report.put("date", Instant.now().toString());
        report.put("server", server);
        report.put("data", data.toString());
        report.put("cores", Runtime.getRuntime().availableProcessors());
        report.put("cpu", cpuModel());
        List<MemorySampler.Sample> screeningRss = null;
        cpu = new ServerCpu(metrics);
        lastCpu = cpu.read();
        cpuReport = report;
        try (MemorySampler memory = new MemorySampler(metrics)) {
            LoadGenerator gen = new LoadGenerator(clients, system, workload, memory);
            Duration phase = Duration.ofSeconds(phaseSeconds);
            boolean all = scenario.equals("all");
            if (warmupSeconds > 0) {
                say(gen.streamOpen("warm-up", rate, Duration.ofSeconds(warmupSeconds)));
            }
            if (all || scenario.equals("latency")) {
                LoadGenerator single = gen.with(workload.only(32));
                PhaseResult p = single.unaryClosed("latency-32-atoms", 1, phase);
                report.add(say(p));
                report.put("single_32_atom_p99_ms", p.latencyMs()[2]);
            }
            Double knee = capacity;
            if (all || scenario.equals("sweep")) {
                List<PhaseResult> sweep = new ArrayList<>();
                for (double r : rates) {
                    PhaseResult p = gen.streamOpen(String.format(java.util.Locale.ROOT, "sweep-%.0f", r), r, phase);
                    report.add(say(p));
                    sweep.add(p);
                }
                PhaseResult k = knee(sweep);
                knee = k.structuresPerSecond();
                report.put("knee_structures_per_s", k.structuresPerSecond());
                report.put("knee_atoms_per_s", k.atomsPerSecond());
                report.put("knee_p99_ms", k.latencyMs()[2]);
                report.put("max_atoms_per_s", sweep.stream().mapToDouble(PhaseResult::atomsPerSecond).max().orElse(0));
                System.out.printf("knee: %.0f structures/s, %.0f atoms/s, p99 %.2f ms%n", k.structuresPerSecond(), k.atomsPerSecond(), k.latencyMs()[2]);
            }
            if (all || scenario.equals("overload")) {
                double cap = knee != null ? knee : rate;
                PhaseResult over = gen.unaryOpen("overload-10x", 10 * cap, phase);
                report.add(say(over));
                // closed loop, 1,024 callers (8x the default unary cap): refusals are timed from each call's real send,
                // with no client backlog in them
                PhaseResult closed = gen.unaryClosed("overload-1024-callers", 1024, phase);
                report.add(say(closed));
                report.put("overload_closed_refusal_ms_p50_p99_max", new double[] {closed.errorLatencyMs()[0], closed.errorLatencyMs()[2],
                    closed.errorLatencyMs()[4]});
                System.out.printf("overload, 1024 callers: %d refused RESOURCE_EXHAUSTED within p50 %.2f / p99 %.2f ms; %d answered, p99 %.2f ms%n",
                        closed.errors().getOrDefault("RESOURCE_EXHAUSTED", 0L), closed.errorLatencyMs()[0], closed.errorLatencyMs()[2], closed.ok(),
                        closed.latencyMs()[2]);
                PhaseResult after = gen.unaryOpen("recovery-0.5x", 0.5 * cap, phase);
                report.add(say(after));
                report.put("overload_offered_per_s", 10 * cap);
                report.put("overload_refusal_p99_ms_from_intended", over.errorLatencyMs()[2]);
                report.put("overload_refusal_p99_ms_from_send", over.errorFromSendMs()[2]);
                System.out.printf("overload: %d refused RESOURCE_EXHAUSTED, answered within p50 %.2f / p99 %.2f / max %.2f ms of leaving the client%n",
                        over.errors().getOrDefault("RESOURCE_EXHAUSTED", 0L), over.errorFromSendMs()[0], over.errorFromSendMs()[2], over.errorFromSendMs()[4]);
            }
            if (all || scenario.equals("screening")) {
                double from = memory.elapsed();
                PhaseResult p = gen.streamCount("screening-" + count, count);
                report.add(say(p));
                screeningRss = memory.since(from);
                report.put("screening_all_answered", p.sent() == count && !p.errors().containsKey("MISSING"));
            }
            if ((all && adminToken != null && !adminToken.isEmpty()) || scenario.equals("hotswap")) {
                double r = knee != null ? 0.5 * knee : rate;
                HotSwapLoad.Result hs = HotSwapLoad.run(gen, host, port, system, adminToken, swapModel, r, phase);
                report.add(say(hs.phase()));
                report.put("hotswap_swaps", hs.swaps());
                report.put("hotswap_failed_swaps", hs.failedSwaps());
                report.put("hotswap_versions_seen", hs.versionsSeen());
                System.out.printf("hot swap: %d swaps (%d failed) under %.0f structures/s; answers by version %s%n", hs.swaps(), hs.failedSwaps(), r,
                        hs.versionsSeen());
            }
            if (scenario.equals("unary")) {
                report.add(say(gen.unaryClosed("unary-c" + concurrency, concurrency, phase)));
            }
            if (scenario.equals("stream")) {
                report.add(say(gen.streamOpen(String.format(java.util.Locale.ROOT, "stream-%.0f", rate), rate, phase)));
            }
            if (scenario.equals("mix")) {
                gen.mix("mix", concurrency, rate, phase).forEach(p -> report.add(say(p)));
            }
        } finally {
            clients.forEach(PerSiteClient::close);
            system.terminate();
        }
        report.write(out, screeningRss);
        System.out.println("results in " + out.toAbsolutePath());
        return 0;
    }

    /** The last sweep phase before latency or throughput degrades: p99 over 5× the first phase's (and 20 ms), or under 95% of offered. */
    static PhaseResult knee(List<PhaseResult> sweep) {
        double baseP99 = sweep.get(0).latencyMs()[2];
        PhaseResult last = sweep.get(0);
        for (PhaseResult p : sweep) {
            boolean degraded = p.structuresPerSecond() < 0.95 * p.offered() || p.latencyMs()[2] > Math.max(5 * baseP99, 20);
            if (degraded) {
                break;
            }
            last = p;
        }
        return last;
    }

    private static String cpuModel() {
        try {
            return java.nio.file.Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    private ServerCpu cpu;
    private ServerCpu.Snapshot lastCpu;
    private Report cpuReport;

    /** Prints a phase, with the server's CPU per atom since the previous phase ended (phases run one after another). */
    private PhaseResult say(PhaseResult p) {
        System.out.println(Report.line(p));
        if (cpu != null) {
            ServerCpu.Snapshot now = cpu.read();
            ServerCpu.Breakdown b = ServerCpu.between(lastCpu, now);
            lastCpu = now;
            if (b != null) {
                System.out.println(b.line());
                cpuReport.cpu(p.name(), b);
            }
        }
        return p;
    }
}
