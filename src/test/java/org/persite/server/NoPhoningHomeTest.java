package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.persite.api.v1.PredictResponse;

/**
 * Nothing phones home: a real server (ONNX Runtime session, gRPC and metrics ports) that has loaded its models and
 * answered predictions holds no socket to anything but this machine. Every TCP and UDP socket this JVM owns (its file
 * descriptors, matched to the kernel's socket tables by inode) is bound to or connected to a loopback address.
 */
@EnabledOnOs(OS.LINUX)
class NoPhoningHomeTest {

    @Test
    void everySocketOfAServingJvmIsOnLoopback() throws Exception {
        try (TestServer ts = TestServer.start(Map.of())) {
            for (String line : TestServer.sampleLines().subList(0, 20)) {
                PredictResponse r = ts.client.predict(TestServer.jsonl("x", line)).toCompletableFuture().get(60, TimeUnit.SECONDS);
                assertEquals(0, r.getStatus().getCode());
            }
            Thread.sleep(2_000); // time for anything started in the background (telemetry would be) to open its connection
            Set<String> mine = socketInodes();
            List<String> seen = new ArrayList<>();
            List<String> outside = new ArrayList<>();
            for (String table : List.of("tcp", "tcp6", "udp", "udp6")) {
                List<String> rows = Files.readAllLines(Path.of("/proc/self/net/" + table));
                for (String row : rows.subList(1, rows.size())) {
                    String[] f = row.trim().split("\\s+");
                    if (!mine.contains(f[9])) {
                        continue; // another process's socket
                    }
                    String local = f[1];
                    String remote = f[2];
                    seen.add(table + " " + local + " -> " + remote);
                    if (!loopbackOrAny(remote) || !loopbackOrAny(local) && !listening(f[3], table)) {
                        outside.add(table + " " + decode(local) + " -> " + decode(remote) + " state " + f[3]);
                    }
                    if (listening(f[3], table) && !loopback(local)) {
                        outside.add(table + " listening on " + decode(local) + " (the defaults bind 127.0.0.1)");
                    }
                }
            }
            assertTrue(seen.size() >= 3, "the server's listening ports and the client's connection are seen: " + seen);
            assertTrue(outside.isEmpty(), "sockets beyond this machine: " + outside);
        }
    }

    /** The inodes of this process's sockets, from its file descriptors. */
    private static Set<String> socketInodes() throws IOException {
        Set<String> out = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        out.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return out;
    }

    private static boolean listening(String state, String table) {
        return table.startsWith("tcp") ? state.equals("0A") : state.equals("07"); // TCP LISTEN; UDP unconnected
    }

    /** An address:port from /proc/net, hexadecimal, as the kernel writes it. */
    private static boolean loopbackOrAny(String hexAddress) {
        String a = hexAddress.substring(0, hexAddress.indexOf(':'));
        return loopback(hexAddress) || a.matches("0+");
    }

    private static boolean loopback(String hexAddress) {
        String a = hexAddress.substring(0, hexAddress.indexOf(':'));
        if (a.length() == 8) { // IPv4, little-endian: 127.x.x.x ends in 7F
            return a.endsWith("7F");
        }
        // IPv6: ::1, or ::ffff:127.x.x.x (IPv4-mapped)
        return a.equals("00000000000000000000000001000000") || a.startsWith("0000000000000000FFFF0000") && a.endsWith("7F");
    }

    private static String decode(String hexAddress) {
        String a = hexAddress.substring(0, hexAddress.indexOf(':'));
        int port = Integer.parseInt(hexAddress.substring(hexAddress.indexOf(':') + 1), 16);
        if (a.length() == 8) {
            return Integer.parseInt(a.substring(6, 8), 16) + "." + Integer.parseInt(a.substring(4, 6), 16) + "." + Integer.parseInt(a.substring(2, 4), 16)
                    + "." + Integer.parseInt(a.substring(0, 2), 16) + ":" + port;
        }
        return "[" + a + "]:" + port;
    }
}
