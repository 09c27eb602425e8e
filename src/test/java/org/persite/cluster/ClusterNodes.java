package org.persite.cluster;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real persite server processes ({@code java -jar target/persite.jar serve}) forming a cluster on loopback, as a user
 * starts them: PERSITE_CLUSTER_SEEDS, PERSITE_CLUSTER_PORT, one shared models folder.
 */
final class ClusterNodes implements AutoCloseable {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Pattern SERVING = Pattern.compile("persite serving gRPC on 127\\.0\\.0\\.1:(\\d+), metrics on http://127\\.0\\.0\\.1:(\\d+)/metrics");

    /** One node: its process, log, and ports. */
    static final class Node {
        final int index;
        final int clusterPort;
        final Path log;
        Process process;
        int grpcPort;
        int metricsPort;

        Node(int index, int clusterPort, Path log) {
            this.index = index;
            this.clusterPort = clusterPort;
            this.log = log;
        }

        String address() {
            return "pekko://persite@127.0.0.1:" + clusterPort;
        }

        String log() throws IOException {
            return Files.exists(log) ? Files.readString(log) : "";
        }

        /** SIGKILL. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        /** SIGSTOP: the process stays, but answers nothing (it looks dead to the others). */
        void pause() throws Exception {
            assertZero(new ProcessBuilder("kill", "-STOP", Long.toString(process.pid())).inheritIO().start().waitFor());
        }

        /** SIGTERM. */
        void terminate() throws Exception {
            assertZero(new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).inheritIO().start().waitFor());
        }

        private static void assertZero(int rc) {
            if (rc != 0) {
                throw new AssertionError("kill exited " + rc);
            }
        }
    }

    final List<Node> nodes = new ArrayList<>();
    private final Path dir;
    private final Path models;
    private final String seeds;
    private final List<String> jvmOptions;

    /**
     * @param jvmOptions extra options for every node's JVM (for example -Dpersite.cluster.job-timeout=30s)
     */
    ClusterNodes(Path dir, Path models, int count, List<String> jvmOptions) throws IOException {
        this.dir = dir;
        this.models = models;
        this.jvmOptions = jvmOptions;
        for (int i = 0; i < count; i++) {
            nodes.add(new Node(i, freePort(), dir.resolve("node" + i + ".log")));
        }
        seeds = "127.0.0.1:" + nodes.get(0).clusterPort + ",127.0.0.1:" + nodes.get(1).clusterPort;
    }

    /** Starts every node and waits until each serves and sees all of them Up. */
    void startAll() throws Exception {
        for (Node n : nodes) {
            launch(n);
        }
        for (Node n : nodes) {
            awaitServing(n);
        }
    }

    /** Starts a node (again, after a kill: a new incarnation on the same cluster port) and waits until it serves. */
    void restart(Node n) throws Exception {
        Files.deleteIfExists(n.log);
        launch(n);
        awaitServing(n);
    }

    private void launch(Node n) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-Dlogback.configurationFile=conf/logback.xml"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", "target/persite.jar", "serve", "--port", "0", "--metrics-port", Integer.toString(freePort()), "--http-port", "0", "--models",
                models.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(n.log.toFile());
        Map<String, String> e = pb.environment();
        e.put("ORT_DISABLE_TELEMETRY", "1");
        e.put("PERSITE_CLUSTER_SEEDS", seeds);
        e.put("PERSITE_CLUSTER_PORT", Integer.toString(n.clusterPort));
        e.put("PERSITE_ADMIN_TOKEN", "cluster-test-token");
        e.put("HOME", dir.toString());
        n.process = pb.start();
        Process started = n.process;
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly)); // never orphaned, even if this JVM dies
    }

    private static void awaitServing(Node n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            Matcher m = SERVING.matcher(n.log());
            if (m.find()) {
                n.grpcPort = Integer.parseInt(m.group(1));
                n.metricsPort = Integer.parseInt(m.group(2));
                return;
            }
            if (!n.process.isAlive()) {
                break;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("node " + n.index + " did not start:\n" + n.log());
    }

    /** Waits until {@code text} is in the node's log; false after {@code seconds}. */
    static boolean awaitLog(Node n, String text, double seconds) throws Exception {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < deadline) {
            if (n.log().contains(text)) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        for (Node n : nodes) {
            if (n.process != null && n.process.isAlive()) {
                n.process.destroyForcibly();
            }
        }
    }
}
