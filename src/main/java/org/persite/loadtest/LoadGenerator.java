package org.persite.loadtest;

import io.grpc.Status;
import java.time.Duration;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.persite.api.v1.PerSiteClient;
import org.persite.api.v1.PredictRequest;
import org.persite.api.v1.PredictResponse;
import org.persite.api.v1.ResponseOrder;

/**
 * Drives a persite server through the generated Pekko gRPC client and measures it: closed-loop unary calls
 * at a concurrency, open-loop unary calls or stream items at a rate, and a counted screening stream.
 * Open-loop latencies run from each request's intended send time, so a server that stalls the sender
 * (coordinated omission) is charged for the wait.
 */
final class LoadGenerator {
    /** Open-loop requests the client may have outstanding before it counts further ones as CLIENT_BACKLOG. */
    private static final long MAX_OUTSTANDING = 50_000;

    private final PerSiteClient client;
    private final List<PerSiteClient> unaryClients;
    private final AtomicLong nextClient = new AtomicLong();
    private final ActorSystem<?> system;
    private final Workload workload;
    private final MemorySampler memory;

    /**
     * @param unaryClients connections unary calls are spread over (HTTP/2 caps the calls in flight per connection,
     *     so one connection alone would queue an overload in the client instead of offering it to the server)
     */
    LoadGenerator(List<PerSiteClient> unaryClients, ActorSystem<?> system, Workload workload, MemorySampler memory) {
        this.client = unaryClients.get(0);
        this.unaryClients = unaryClients;
        this.system = system;
        this.workload = workload;
        this.memory = memory;
    }

    /** Counts and latencies of one phase; safe from any thread. */
    private final class Tally {
        final ConcurrentHistogram okMicros = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 3);
        final ConcurrentHistogram serverMicros = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 3);
        final ConcurrentHistogram errorMicros = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 3);
        /** Errors timed from when the call actually left the client (open loops), so a lagging client is not blamed on the server. */
        final ConcurrentHistogram errorFromSendMicros = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 3);
        final LongAdder sent = new LongAdder();
        final LongAdder ok = new LongAdder();
        final LongAdder atoms = new LongAdder();
        final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        /** Server-side microseconds summed over OK answers: parse, graph, queue, inference, server total; and client latency. */
        final LongAdder[] stageMicros = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()};
        final long startNanos = System.nanoTime();
        final double startMemorySeconds = memory.elapsed();

        void response(PredictResponse r, long latencyNanos) {
            if (r.getStatus().getCode() == 0) {
                ok.increment();
                r.getStructuresList().forEach(s -> atoms.add(s.getSitesCount()));
                okMicros.recordValue(Math.max(1, latencyNanos / 1000));
                org.persite.api.v1.Timings t = r.getTimings();
                stageMicros[0].add(t.getParseUs());
                stageMicros[1].add(t.getGraphUs());
                stageMicros[2].add(t.getQueueUs());
                stageMicros[3].add(t.getInferenceUs());
                stageMicros[4].add(t.getTotalUs());
                serverMicros.recordValue(Math.max(1, t.getTotalUs()));
                stageMicros[5].add(latencyNanos / 1000);
            } else {
                error(Status.Code.values()[r.getStatus().getCode()].name(), latencyNanos);
            }
        }

        void failure(Throwable t, long latencyNanos) {
            error(Status.fromThrowable(t instanceof java.util.concurrent.CompletionException ? t.getCause() : t).getCode().name(), latencyNanos);
        }

        void error(String code, long latencyNanos) {
            errors.computeIfAbsent(code, k -> new LongAdder()).increment();
            errorMicros.recordValue(Math.max(1, latencyNanos / 1000));
        }

        PhaseResult result(String name, String mode, double offered) {
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            Map<String, Long> errs = new TreeMap<>();
            errors.forEach((k, v) -> errs.put(k, v.sum()));
            List<MemorySampler.Sample> rss = memory.since(startMemorySeconds);
            double[] mem = rss.isEmpty() ? new double[] {Double.NaN, Double.NaN, Double.NaN}
                    : new double[] {rss.get(0).rssMiB(), rss.stream().mapToDouble(MemorySampler.Sample::rssMiB).max().orElse(Double.NaN),
                        rss.get(rss.size() - 1).rssMiB()};
            long n = Math.max(1, ok.sum());
            double[] stages = new double[6];
            for (int k = 0; k < 6; k++) {
                stages[k] = stageMicros[k].sum() / 1000.0 / n;
            }
            // what the server did not account for: transport, (un)marshalling, client queues
            stages[5] = stages[5] - stages[4];
            return new PhaseResult(name, mode, offered, seconds, sent.sum(), ok.sum(), atoms.sum(), ok.sum() / seconds, atoms.sum() / seconds,
                    percentiles(okMicros), percentiles(errorMicros), errs, mem, stages, percentiles(serverMicros), percentiles(errorFromSendMicros));
        }
    }

    private static double[] percentiles(Histogram h) {
        if (h.getTotalCount() == 0) {
            return new double[5];
        }
        return new double[] {h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
            h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0};
    }

    private PerSiteClient unary() {
        return unaryClients.get((int) (nextClient.getAndIncrement() % unaryClients.size()));
    }

    /** A generator with the same connections and memory sampler, sending only {@code other}'s structures. */
    LoadGenerator with(Workload other) {
        return new LoadGenerator(unaryClients, system, other, memory);
    }

    /** Unary calls from {@code concurrency} callers, each sending its next call when the last is answered. */
    PhaseResult unaryClosed(String name, int concurrency, Duration duration) throws InterruptedException {
        Tally tally = new Tally();
        long end = System.nanoTime() + duration.toNanos();
        AtomicLong next = new AtomicLong();
        CountDownLatch done = new CountDownLatch(concurrency);
        for (int w = 0; w < concurrency; w++) {
            closedLoop(tally, end, next, done);
        }
        done.await();
        return tally.result(name, "unary-closed", concurrency);
    }

    private void closedLoop(Tally tally, long end, AtomicLong next, CountDownLatch done) {
        if (System.nanoTime() >= end) {
            done.countDown();
            return;
        }
        long t = System.nanoTime();
        tally.sent.increment();
        unary().predict(workload.request(next.getAndIncrement(), ResponseOrder.INPUT_ORDER)).whenComplete((r, e) -> {
            long latency = System.nanoTime() - t;
            if (e != null) {
                tally.failure(e, latency);
            } else {
                tally.response(r, latency);
            }
            closedLoop(tally, end, next, done);
        });
    }

    /** Unary calls sent at {@code rate} per second, whether or not earlier ones were answered. */
    PhaseResult unaryOpen(String name, double rate, Duration duration) throws InterruptedException {
        Tally tally = new Tally();
        long period = (long) (1e9 / rate);
        long t0 = System.nanoTime();
        long total = (long) (rate * duration.toNanos() / 1e9);
        AtomicLong outstanding = new AtomicLong();
        CountDownLatch answered = new CountDownLatch(1);
        AtomicLong remaining = new AtomicLong(total);
        for (long i = 0; i < total; i++) {
            long intended = t0 + i * period;
            long wait = intended - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            if (outstanding.get() >= MAX_OUTSTANDING) {
                tally.error("CLIENT_BACKLOG", 0);
                if (remaining.decrementAndGet() == 0) {
                    answered.countDown();
                }
                continue;
            }
            outstanding.incrementAndGet();
            tally.sent.increment();
            long sentAt = System.nanoTime();
            unary().predict(workload.request(i, ResponseOrder.INPUT_ORDER)).whenComplete((r, e) -> {
                long now = System.nanoTime();
                long latency = now - intended;
                outstanding.decrementAndGet();
                if (e != null) {
                    tally.failure(e, latency);
                    tally.errorFromSendMicros.recordValue(Math.max(1, (now - sentAt) / 1000));
                } else {
                    tally.response(r, latency);
                }
                if (remaining.decrementAndGet() == 0) {
                    answered.countDown();
                }
            });
        }
        if (total > 0) {
            answered.await(5, TimeUnit.MINUTES);
        }
        return tally.result(name, "unary-open", rate);
    }

    /** One PredictStream whose items are sent at {@code rate} per second (completion order). */
    PhaseResult streamOpen(String name, double rate, Duration duration) throws Exception {
        return streamOpen(name, rate, duration, r -> { });
    }

    /** The same, showing every response to {@code also} too. */
    PhaseResult streamOpen(String name, double rate, Duration duration, java.util.function.Consumer<PredictResponse> also) throws Exception {
        Tally tally = new Tally();
        long period = (long) (1e9 / rate);
        long total = (long) (rate * duration.toNanos() / 1e9);
        long t0 = System.nanoTime() + 20_000_000L;
        Iterator<PredictRequest> paced = new Iterator<>() {
            long i;

            @Override
            public boolean hasNext() {
                return i < total;
            }

            @Override
            public PredictRequest next() {
                long wait = t0 + i * period - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                tally.sent.increment();
                return workload.request(i++, ResponseOrder.COMPLETION_ORDER);
            }
        };
        run(Source.fromIterator(() -> paced), r -> {
            tally.response(r, System.nanoTime() - (t0 + Long.parseLong(r.getRequestId()) * period));
            also.accept(r);
        });
        return tally.result(name, "stream-open", rate);
    }

    /**
     * One PredictStream of {@code count} structures sent as fast as the server takes them (a screening run).
     * Checks that every request id is answered exactly once.
     */
    PhaseResult streamCount(String name, long count) throws Exception {
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("at most 2^31 structures per counted stream");
        }
        Tally tally = new Tally();
        long[] sentAt = new long[(int) count];
        BitSet seen = new BitSet((int) count);
        long[] duplicates = {0};
        Iterator<PredictRequest> all = new Iterator<>() {
            long i;

            @Override
            public boolean hasNext() {
                return i < count;
            }

            @Override
            public PredictRequest next() {
                sentAt[(int) i] = System.nanoTime();
                tally.sent.increment();
                return workload.request(i++, ResponseOrder.COMPLETION_ORDER);
            }
        };
        run(Source.fromIterator(() -> all), r -> {
            int id = Integer.parseInt(r.getRequestId());
            synchronized (seen) {
                if (seen.get(id)) {
                    duplicates[0]++;
                }
                seen.set(id);
            }
            tally.response(r, System.nanoTime() - sentAt[id]);
        });
        long missing = count - seen.cardinality();
        if (missing > 0) {
            tally.errors.computeIfAbsent("MISSING", k -> new LongAdder()).add(missing);
        }
        if (duplicates[0] > 0) {
            tally.errors.computeIfAbsent("DUPLICATE", k -> new LongAdder()).add(duplicates[0]);
        }
        return tally.result(name, "stream-count", count);
    }

    private void run(Source<PredictRequest, NotUsed> requests, java.util.function.Consumer<PredictResponse> onResponse) throws Exception {
        Source<PredictRequest, NotUsed> async = requests.withAttributes(ActorAttributes.dispatcher("pekko.actor.default-blocking-io-dispatcher")).async();
        client.predictStream(async).runWith(Sink.foreach(onResponse::accept), system).toCompletableFuture().get(2, TimeUnit.HOURS);
    }

    /** Unary closed-loop calls and an open-loop stream at the same time. */
    List<PhaseResult> mix(String name, int concurrency, double rate, Duration duration) throws Exception {
        CompletableFuture<PhaseResult> unary = CompletableFuture.supplyAsync(() -> {
            try {
                return unaryClosed(name + "/unary", concurrency, duration);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        PhaseResult stream = streamOpen(name + "/stream", rate, duration);
        return List.of(unary.get(), stream);
    }
}
