package org.persite.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real launcher ({@code bin/persite}) and the jar run as real processes (Failsafe, after {@code package}).
 * ONNX Runtime 1.29's telemetry killed any persite JVM with a long command line (SIGSEGV, exit 139, not a word on
 * stderr); each child here starts <em>without</em> {@code ORT_DISABLE_TELEMETRY} in its environment, so only the
 * launcher or persite itself can turn it off.
 */
class LauncherIT {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path SAMPLE = Path.of("data/mp_magmom_tmo/sample_500");
    private static final Path TMP = Path.of("/tmp");

    @TempDir
    Path tmp;

    @Test
    void fiveHundredCifsAsArgumentsPredictEverySiteThroughTheLauncher() throws Exception {
        Set<Path> debugBefore = matDebugLogs();
        List<String> cmd = new ArrayList<>(List.of("bin/persite", "predict"));
        cmd.addAll(cifs());
        Result r = run(cmd, 300);
        assertEquals(0, r.code, "exit code (139 was ONNX Runtime's telemetry crash); stderr:\n" + r.err);
        assertRowsMatchTheRecords(r.out);
        assertNoTelemetryTraces(debugBefore);
        assertFalse(r.err.contains("ORT_DISABLE_TELEMETRY was not 1"), "the launcher set it, so persite has nothing to warn of");
    }

    @Test
    void theJarStartedDirectlyTurnsTelemetryOffItselfAndSaysHowToSetIt() throws Exception {
        Set<Path> debugBefore = matDebugLogs();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dlogback.configurationFile=conf/logback.xml", "-jar", "target/persite.jar", "predict"));
        cmd.addAll(cifs());
        Result r = run(cmd, 300);
        assertEquals(0, r.code, "stderr:\n" + r.err);
        assertRowsMatchTheRecords(r.out);
        assertNoTelemetryTraces(debugBefore);
        List<String> warnings = r.err.lines().filter(l -> l.contains("ORT_DISABLE_TELEMETRY was not 1")).toList();
        assertEquals(1, warnings.size(), "one warning line: " + r.err);
        assertTrue(warnings.get(0).contains("export ORT_DISABLE_TELEMETRY=1"), warnings.get(0));
    }

    /**
     * The launcher's class data sharing: the first run after a build leaves target/persite.jsa behind, later runs map it,
     * and neither writes a word of the JVM's own onto standard output (which carries command results).
     */
    @Test
    void theLauncherArchivesClassesOnceAndKeepsStandardOutputClean() throws Exception {
        Path archive = ROOT.resolve("target/persite.jsa");
        Files.deleteIfExists(archive);
        Result first = run(List.of("bin/persite", "--version"), 120);
        assertEquals(0, first.code, first.err);
        assertTrue(Files.size(archive) > 1_000_000, "the first run archived the classes it loaded");
        Result second = run(List.of("bin/persite", "--version"), 120);
        assertEquals(0, second.code, second.err);
        for (Result r : List.of(first, second)) {
            assertEquals(4, r.out.lines().count(), "only the version lines on standard output:\n" + r.out);
            assertTrue(r.out.startsWith("persite ") && !r.out.contains("[warning]") && !r.out.contains("cds"), r.out);
        }
        try (Stream<Path> left = Files.list(ROOT.resolve("target"))) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith("persite.jsa.")), "no half-written archive is left");
        }
    }

    @Test
    void aJvmKilledByASignalIsNamedByTheLauncher() throws Exception {
        Server s = serve();
        ProcessHandle jvm = s.jvm();
        jvm.destroyForcibly(); // SIGKILL
        assertTrue(s.launcher.waitFor(60, TimeUnit.SECONDS));
        String out = Files.readString(s.log);
        assertEquals(137, s.launcher.exitValue(), out);
        assertTrue(out.contains("persite: the JVM (pid " + jvm.pid() + ") was killed by SIGKILL (exit code 137)"), out);
    }

    @Test
    void sigtermToTheLauncherDrainsTheServerAndExits() throws Exception {
        stopsGracefully("TERM");
    }

    @Test
    void ctrlCToTheLauncherDrainsTheServerAndExits() throws Exception {
        stopsGracefully("INT");
    }

    @Test
    void sigtermToTheLauncherAndTheJvmAtOnceIsOneGracefulStop() throws Exception {
        // what pkill -f persite, or systemd's control-group kill, does: both processes get the signal
        stopsGracefully("TERM", true);
        assertFalse(Files.readString(tmp.resolve("serve.log")).contains("exiting now, without draining"));
    }

    private void stopsGracefully(String signal) throws Exception {
        stopsGracefully(signal, false);
    }

    private void stopsGracefully(String signal, boolean alsoTheJvm) throws Exception {
        Server s = serve();
        ProcessHandle jvm = s.jvm();
        List<String> kill0 = new ArrayList<>(List.of("kill", "-" + signal, Long.toString(s.launcher.pid())));
        if (alsoTheJvm) {
            kill0.add(Long.toString(jvm.pid()));
        }
        Process kill = new ProcessBuilder(kill0).inheritIO().start();
        assertEquals(0, kill.waitFor());
        assertTrue(s.launcher.waitFor(90, TimeUnit.SECONDS), "the launcher exits");
        String out = Files.readString(s.log);
        assertEquals(143, s.launcher.exitValue(), "the JVM ends as on SIGTERM:\n" + out);
        assertFalse(jvm.isAlive(), "no JVM left behind");
        assertTrue(out.contains("SIGTERM: stopping"), "the signal reached the JVM as SIGTERM:\n" + out);
        assertTrue(out.contains("draining the calls in flight") && out.contains("PersiteServer - stopped"), "graceful drain ran:\n" + out);
        assertTrue(out.contains("persite: stopped by SIG" + signal), out);
        assertFalse(out.contains("A fatal error has been detected"), out);
    }

    /** {@code bin/persite serve} on free ports with one model, ready. */
    private Server serve() throws Exception {
        Path models = tmp.resolve("models");
        copy(ROOT.resolve("models/magmom/2"), models.resolve("magmom/2"));
        Path log = tmp.resolve("serve.log");
        // a shell's background job (`cmd &` without job control) inherits SIGINT and SIGQUIT ignored, and an ignored
        // signal cannot be trapped again by the launcher: perl (in every Debian) restores their default before exec, so
        // the Ctrl-C test means the same wherever this test runs (the pid stays the launcher's)
        ProcessBuilder pb = new ProcessBuilder("perl", "-e", "$SIG{INT} = $SIG{QUIT} = 'DEFAULT'; exec @ARGV or die \"exec: $!\"", "bin/persite", "serve", "--port", "0", "--metrics-port=-1", "--http-port=0", "--models", models.toString())
                .directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        environment(pb);
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains("persite serving gRPC")) {
                return new Server(p, log);
            }
            if (!p.isAlive()) {
                break;
            }
            Thread.sleep(200);
        }
        p.destroyForcibly();
        throw new AssertionError("the server did not start:\n" + (Files.exists(log) ? Files.readString(log) : ""));
    }

    private record Server(Process launcher, Path log) {
        ProcessHandle jvm() {
            List<ProcessHandle> children = launcher.children().toList();
            assertEquals(1, children.size(), "the launcher runs one JVM as its child");
            return children.get(0);
        }
    }

    private void environment(ProcessBuilder pb) throws IOException {
        Map<String, String> env = pb.environment();
        env.remove("ORT_DISABLE_TELEMETRY");
        Path home = Files.createDirectories(tmp.resolve("home"));
        env.put("HOME", home.toString()); // telemetry would write ~/.cache/Microsoft here
    }

    private Result run(List<String> cmd, int timeoutSeconds) throws Exception {
        Path out = tmp.resolve("out.csv");
        Path err = tmp.resolve("err.txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        environment(pb);
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("did not finish in " + timeoutSeconds + " s");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private record Result(int code, String out, String err) {
    }

    private static List<String> cifs() throws IOException {
        try (Stream<Path> files = Files.list(ROOT.resolve(SAMPLE).resolve("cif"))) {
            List<String> names = files.map(f -> SAMPLE.resolve("cif").resolve(f.getFileName()).toString()).sorted().toList();
            assertEquals(500, names.size());
            return names;
        }
    }

    /** One CSV row per site, in order, with the element of the JSON Lines record that each CIF was written from. */
    private static void assertRowsMatchTheRecords(String csv) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Map<String, List<String>> species = new HashMap<>();
        int sites = 0;
        try (BufferedReader in = Files.newBufferedReader(ROOT.resolve(SAMPLE).resolve("sample_500.jsonl"), StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                JsonNode rec = json.readTree(line);
                List<String> els = new ArrayList<>();
                rec.get("species").forEach(e -> els.add(e.asText()));
                species.put(rec.get("id").asText(), els);
                sites += els.size();
            }
        }
        List<String> rows = csv.lines().toList();
        assertTrue(rows.get(0).startsWith("structure,site,element,magmom"), rows.get(0));
        assertEquals(sites, rows.size() - 1, "one row per site of the 500 structures");
        assertEquals(16_187, sites);
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",");
            String id = Path.of(f[0]).getFileName().toString().replace(".cif", "");
            assertEquals(species.get(id).get(Integer.parseInt(f[1])), f[2], row);
            assertTrue(Double.isFinite(Double.parseDouble(f[3])), row);
        }
    }

    private void assertNoTelemetryTraces(Set<Path> debugBefore) throws IOException {
        Set<Path> after = matDebugLogs();
        after.removeAll(debugBefore);
        assertTrue(after.isEmpty(), "ONNX Runtime's telemetry wrote " + after);
        assertFalse(Files.exists(tmp.resolve("home/.cache/Microsoft")), "ONNX Runtime's telemetry wrote ~/.cache/Microsoft");
    }

    private static Set<Path> matDebugLogs() throws IOException {
        try (Stream<Path> files = Files.list(TMP)) {
            return files.filter(f -> f.getFileName().toString().startsWith("mat-debug-")).collect(Collectors.toSet());
        }
    }

    private static void copy(Path from, Path to) throws java.io.IOException {
        org.persite.testing.Trees.copy(from, to);
    }
}
