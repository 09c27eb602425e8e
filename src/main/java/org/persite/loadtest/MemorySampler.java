package org.persite.loadtest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reads the server's resident memory from its Prometheus endpoint (process_resident_memory_bytes), twice a second. */
final class MemorySampler implements AutoCloseable {
    /** One reading: seconds since the sampler started, resident MiB. */
    record Sample(double seconds, double rssMiB) {
    }

    private final URI metrics;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Sample> samples = new ArrayList<>();
    private final long start = System.nanoTime();
    private final Thread thread;
    private volatile boolean running = true;

    MemorySampler(URI metrics) {
        this.metrics = metrics;
        this.thread = new Thread(this::loop, "rss-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    /** The current resident memory in MiB, or NaN when the endpoint cannot be read. */
    double readNow() {
        try {
            String body = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
            for (String line : body.split("\n")) {
                if (line.startsWith("process_resident_memory_bytes ")) {
                    return Double.parseDouble(line.substring("process_resident_memory_bytes ".length()).trim()) / (1 << 20);
                }
            }
        } catch (Exception e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    private void loop() {
        while (running) {
            double v = readNow();
            synchronized (samples) {
                samples.add(new Sample((System.nanoTime() - start) / 1e9, v));
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Samples taken from {@code fromSeconds} on. */
    List<Sample> since(double fromSeconds) {
        synchronized (samples) {
            return samples.stream().filter(s -> s.seconds() >= fromSeconds && !Double.isNaN(s.rssMiB())).toList();
        }
    }

    double elapsed() {
        return (System.nanoTime() - start) / 1e9;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
