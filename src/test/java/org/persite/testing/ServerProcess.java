package org.persite.testing;

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
 * One persite server as a real JVM process ({@code java -jar target/persite.jar serve}, after {@code package}), its
 * output in a log file: for tests that kill it, bound its heap, or read its resident memory.
 */
public final class ServerProcess implements AutoCloseable {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Pattern SERVING = Pattern.compile("persite serving gRPC on 127\\.0\\.0\\.1:(\\d+), metrics on");

    public final Process process;
    public final Path log;
    public final int grpcPort;

    private ServerProcess(Process process, Path log, int grpcPort) {
        this.process = process;
        this.log = log;
        this.grpcPort = grpcPort;
    }

    /**
     * Starts a server on {@code models} and waits (at most 180 s) until it serves.
     *
     * @param jvmOptions options of its JVM (-Xmx, -Dpersite.* overrides)
     * @param env extra environment (PERSITE_ADMIN_TOKEN, say)
     */
    public static ServerProcess start(Path models, Path log, List<String> jvmOptions, Map<String, String> env) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dlogback.configurationFile=conf/logback.xml"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", "target/persite.jar", "serve", "--port", "0", "--metrics-port", Integer.toString(freePort()), "--http-port", "0", "--models",
                models.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("ORT_DISABLE_TELEMETRY", "1");
        pb.environment().putAll(env);
        Process p = pb.start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly)); // never orphaned, even if the test JVM dies
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            Matcher m = SERVING.matcher(read(log));
            if (m.find()) {
                return new ServerProcess(p, log, Integer.parseInt(m.group(1)));
            }
            if (!p.isAlive()) {
                break;
            }
            Thread.sleep(100);
        }
        p.destroyForcibly();
        throw new AssertionError("the server did not start:\n" + read(log));
    }

    /** Everything the server has printed so far. */
    public String output() throws IOException {
        return read(log);
    }

    /** SIGKILL, and wait for it to be gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** The process's peak resident set (VmHWM), in MiB, from /proc. */
    public double peakResidentMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }

    private static String read(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
