package org.persite.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestModels;
import org.persite.TestVectors;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.FeaturizerSettings;
import org.persite.model.ModelDirectory;
import org.persite.structure.Format;
import org.persite.structure.ParseResult;

class BatcherTest {
    static final ActorTestKit KIT = ActorTestKit.create();
    static final List<CrystalGraph> GRAPHS = new ArrayList<>();
    @TempDir
    static Path tmp;

    @BeforeAll
    static void graphs() {
        CrystalGraphBuilder b = new CrystalGraphBuilder(FeaturizerSettings.reference());
        List<ParseResult> sample = TestVectors.READER.readFile(TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl"), Format.JSONL);
        for (int k = 0; k < 30; k++) {
            GRAPHS.add(b.build(((ParseResult.Parsed) sample.get(k)).value().structure()));
        }
    }

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    /**
     * A fake model: each site's value is its atomic number, so replies are checkable by hand. It records the
     * batches it sees and can be held shut. (The batcher's timing and bounds are under test, not the model.)
     */
    static final class FakeEngine implements InferenceEngine {
        final List<Integer> batchAtoms = new CopyOnWriteArrayList<>();
        final CountDownLatch gate;

        FakeEngine(boolean open) {
            gate = new CountDownLatch(open ? 0 : 1);
        }

        @Override
        public float[] run(PaddedBatch b) {
            try {
                gate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            batchAtoms.add(b.realAtoms());
            float[] out = new float[b.paddedAtoms()];
            for (int i = 0; i < out.length; i++) {
                out[i] = b.species().get(i);
            }
            return out;
        }

        @Override
        public String modelName() {
            return "fake";
        }

        @Override
        public int modelVersion() {
            return 7;
        }

        @Override
        public int properties() {
            return 1;
        }

        @Override
        public int maxNeighbors() {
            return 12;
        }

        @Override
        public void close() {
        }
    }

    static BatcherSettings settings(int maxBatchAtoms, Duration delay, long maxQueueAtoms) {
        return new BatcherSettings(new Buckets(List.of(256, 512, 1024)), maxBatchAtoms, delay, maxQueueAtoms, 1, BatcherSettings.DISPATCHER);
    }

    static void send(ActorRef<Batcher.Command> batcher, int graph, String id, Instant deadline, TestProbe<Batcher.Reply> probe) {
        batcher.tell(new Batcher.Predict(id, GRAPHS.get(graph), deadline, probe.getRef()));
    }

    @Test
    void flushesWhenMaxBatchAtomsWait() {
        FakeEngine engine = new FakeEngine(true);
        ActorRef<Batcher.Command> batcher = KIT.spawn(Batcher.create(engine, settings(100, Duration.ofSeconds(60), 10_000)));
        TestProbe<Batcher.Reply> probe = KIT.createTestProbe();
        int atoms = 0;
        int sent = 0;
        int fitting = 0; // graphs of the first batch: from the head while the total stays within 100 atoms
        while (atoms < 100) {
            send(batcher, sent, "s" + sent, Instant.MAX, probe);
            atoms += GRAPHS.get(sent).numSites();
            if (atoms <= 100) {
                fitting++;
            }
            sent++;
        }
        // the 60 s delay never fires: the size trigger flushed the first batch at once
        for (int k = 0; k < fitting; k++) {
            Batcher.Predicted p = probe.expectMessageClass(Batcher.Predicted.class, Duration.ofSeconds(10));
            CrystalGraph g = GRAPHS.get(Integer.parseInt(p.id().substring(1)));
            assertEquals(g.numSites(), p.sites());
            for (int i = 0; i < g.numSites(); i++) {
                assertEquals(g.species(i), p.values()[i], "site " + i + " of " + p.id());
            }
            assertEquals("fake", p.modelName());
            assertEquals(7, p.modelVersion());
        }
        // what did not fit waits: fewer than 100 atoms remain and the delay is 60 s
        probe.expectNoMessage(Duration.ofMillis(300));
        assertEquals(1, engine.batchAtoms.size());
        assertTrue(engine.batchAtoms.get(0) <= 100);
    }

    @Test
    void flushesWhenTheOldestHasWaitedMaxQueueDelay() {
        FakeEngine engine = new FakeEngine(true);
        ActorRef<Batcher.Command> batcher = KIT.spawn(Batcher.create(engine, settings(1024, Duration.ofMillis(300), 10_000)));
        TestProbe<Batcher.Reply> probe = KIT.createTestProbe();
        long t0 = System.nanoTime();
        send(batcher, 0, "a", Instant.MAX, probe);
        send(batcher, 1, "b", Instant.MAX, probe);
        probe.expectNoMessage(Duration.ofMillis(150));
        Batcher.Predicted a = probe.expectMessageClass(Batcher.Predicted.class, Duration.ofSeconds(10));
        probe.expectMessageClass(Batcher.Predicted.class, Duration.ofSeconds(10));
        assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(300).toNanos(), "not before the delay");
        assertTrue(a.queueNanos() >= Duration.ofMillis(250).toNanos(), "queue time " + a.queueNanos());
        assertEquals(List.of(GRAPHS.get(0).numSites() + GRAPHS.get(1).numSites()), engine.batchAtoms, "one batch of both");
    }

    @Test
    void withFlushWhenIdleALoneRequestRunsAtOnceAndTheNextWaitsForTheBusyEngine() {
        FakeEngine engine = new FakeEngine(false); // held shut until released
        BatcherSettings idle = new BatcherSettings(new Buckets(List.of(256, 512, 1024)), 1024, Duration.ofSeconds(60), 10_000, 1,
                BatcherSettings.DISPATCHER, true);
        ActorRef<Batcher.Command> batcher = KIT.spawn(Batcher.create(engine, idle));
        TestProbe<Batcher.Reply> probe = KIT.createTestProbe();
        send(batcher, 0, "a", Instant.MAX, probe); // the engine is idle: starts now, though far from full and the delay is 60 s
        send(batcher, 1, "b", Instant.MAX, probe); // the engine is busy: waits
        send(batcher, 2, "c", Instant.MAX, probe);
        probe.expectNoMessage(Duration.ofMillis(200));
        engine.gate.countDown();
        probe.expectMessageClass(Batcher.Predicted.class, Duration.ofSeconds(10));
        probe.expectMessageClass(Batcher.Predicted.class, Duration.ofSeconds(10));
        probe.expectMessageClass(Batcher.Predicted.class, Duration.ofSeconds(10));
        assertEquals(List.of(GRAPHS.get(0).numSites(), GRAPHS.get(1).numSites() + GRAPHS.get(2).numSites()), engine.batchAtoms,
                "a alone at once; b and c together once the engine was free");
    }

    @Test
    void aFullQueueRejectsAtOnceAndLosesNothingElse() {
        FakeEngine engine = new FakeEngine(false); // held shut: nothing completes
        int cap = 200;
        ActorRef<Batcher.Command> batcher = KIT.spawn(Batcher.create(engine, settings(64, Duration.ZERO, cap)));
        TestProbe<Batcher.Reply> probe = KIT.createTestProbe();
        // the first graph goes into the (blocked) engine; then the queue fills up to its bound
        List<String> accepted = new ArrayList<>();
        int queued = 0;
        int k = 0;
        send(batcher, k, "g" + k, Instant.MAX, probe);
        accepted.add("g" + k++);
        probe.expectNoMessage(Duration.ofMillis(100));
        while (queued + GRAPHS.get(k).numSites() <= cap) {
            queued += GRAPHS.get(k).numSites();
            send(batcher, k, "g" + k, Instant.MAX, probe);
            accepted.add("g" + k++);
        }
        send(batcher, k, "over", Instant.MAX, probe);
        Batcher.Rejected r = probe.expectMessageClass(Batcher.Rejected.class, Duration.ofSeconds(1));
        assertEquals("over", r.id());
        assertEquals(Batcher.Reason.OVERLOADED, r.reason());
        engine.gate.countDown();
        List<String> done = new ArrayList<>();
        for (int n = 0; n < accepted.size(); n++) {
            done.add(probe.expectMessageClass(Batcher.Predicted.class, Duration.ofSeconds(10)).id());
        }
        assertEquals(accepted.stream().sorted().toList(), done.stream().sorted().toList());
    }

    @Test
    void expiredGraphsAreDroppedBeforeTheyAreComputed() {
        FakeEngine engine = new FakeEngine(false);
        ActorRef<Batcher.Command> batcher = KIT.spawn(Batcher.create(engine, settings(16, Duration.ZERO, 10_000)));
        TestProbe<Batcher.Reply> probe = KIT.createTestProbe();
        send(batcher, 0, "first", Instant.MAX, probe);                        // occupies the engine
        probe.expectNoMessage(Duration.ofMillis(100));
        send(batcher, 1, "late", Instant.now().plusMillis(50), probe);        // waits, and expires
        send(batcher, 2, "fine", Instant.MAX, probe);
        probe.expectNoMessage(Duration.ofMillis(150));
        engine.gate.countDown();
        List<Batcher.Reply> replies = List.of(probe.receiveMessage(Duration.ofSeconds(10)), probe.receiveMessage(Duration.ofSeconds(10)),
                probe.receiveMessage(Duration.ofSeconds(10)));
        Batcher.Rejected late = (Batcher.Rejected) replies.stream().filter(r -> r.id().equals("late")).findFirst().orElseThrow();
        assertEquals(Batcher.Reason.DEADLINE_EXCEEDED, late.reason());
        assertEquals(List.of(GRAPHS.get(0).numSites(), GRAPHS.get(2).numSites()), engine.batchAtoms, "the expired graph never reached the engine");
    }

    @Test
    void aGraphWithTheWrongMIsRejected() {
        ActorRef<Batcher.Command> batcher = KIT.spawn(Batcher.create(new FakeEngine(true), settings(64, Duration.ZERO, 10_000)));
        TestProbe<Batcher.Reply> probe = KIT.createTestProbe();
        CrystalGraph m8 = new CrystalGraphBuilder(8.0, 8).build(TestVectors.parseOne(TestVectors.input("cod-1000041.cif")));
        batcher.tell(new Batcher.Predict("m8", m8, Instant.MAX, probe.getRef()));
        assertEquals(Batcher.Reason.INVALID_GRAPH, probe.expectMessageClass(Batcher.Rejected.class).reason());
    }

    @Test
    void withARealModelEveryReplyMatchesTheGraphAlone() throws Exception {
        try (OnnxInferenceEngine engine = OnnxInferenceEngine.open(ModelDirectory.load(TestModels.write(tmp.resolve("m"), "real", 2, 1, 9).directory()),
                Device.CPU, false, 1)) {
            // two batches computing at once, as the defaults run on two cores
            BatcherSettings two = new BatcherSettings(new Buckets(List.of(64, 128, 256)), 128, Duration.ofMillis(5), 100_000, 2,
                    BatcherSettings.DISPATCHER);
            ActorRef<Batcher.Command> batcher = KIT.spawn(Batcher.create(engine, two));
            TestProbe<Batcher.Reply> probe = KIT.createTestProbe();
            for (int k = 0; k < GRAPHS.size(); k++) {
                send(batcher, k, Integer.toString(k), Instant.MAX, probe);
            }
            for (int n = 0; n < GRAPHS.size(); n++) {
                Batcher.Predicted p = probe.expectMessageClass(Batcher.Predicted.class, Duration.ofSeconds(30));
                float[] alone = engine.predictOne(GRAPHS.get(Integer.parseInt(p.id())), Buckets.defaults());
                assertArrayEquals(alone, p.values(), 1e-5f, "structure " + p.id());
                assertEquals("real", p.modelName());
                assertEquals(2, p.modelVersion());
                assertTrue(p.paddedAtoms() >= p.batchAtoms());
            }
        }
    }

    /**
     * An engine fault in one batch (issue 16, section 2.4): ONNX Runtime fails in run() for the second batch only (a
     * real session behind a wrapper that throws once). That batch's requests are answered MODEL_ERROR with the
     * engine's message; the batches before and after are served, with the values the graph alone gives.
     */
    @Test
    void anEngineFaultFailsOnlyItsOwnBatchAndTheNextIsServed() throws Exception {
        try (OnnxInferenceEngine real = OnnxInferenceEngine.open(ModelDirectory.load(TestModels.write(tmp.resolve("f"), "faulty", 1, 1, 11).directory()),
                Device.CPU, false, 1)) {
            java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
            InferenceEngine faulty = new InferenceEngine() {
                @Override
                public float[] run(PaddedBatch b) throws InferenceException {
                    if (calls.incrementAndGet() == 2) {
                        throw new InferenceException("injected: ONNX Runtime failed in run() for this batch", null);
                    }
                    return real.run(b);
                }

                @Override
                public BatchOutputs runOutputs(PaddedBatch b) throws InferenceException {
                    return BatchOutputs.fromRows(layout(), run(b));
                }

                @Override
                public String modelName() {
                    return real.modelName();
                }

                @Override
                public int modelVersion() {
                    return real.modelVersion();
                }

                @Override
                public int properties() {
                    return real.properties();
                }

                @Override
                public int maxNeighbors() {
                    return real.maxNeighbors();
                }

                @Override
                public void close() {
                }
            };
            // one graph per batch (max-batch-atoms below two graphs), one batch at a time: batches 1, 2, 3 are graphs 0, 1, 2
            BatcherSettings one = new BatcherSettings(new Buckets(List.of(64, 128, 256)), 1, Duration.ZERO, 100_000, 1, BatcherSettings.DISPATCHER);
            ActorRef<Batcher.Command> batcher = KIT.spawn(Batcher.create(faulty, one));
            TestProbe<Batcher.Reply> probe = KIT.createTestProbe();
            for (int k = 0; k < 3; k++) {
                send(batcher, k, Integer.toString(k), Instant.MAX, probe);
                Batcher.Reply r = probe.receiveMessage(Duration.ofSeconds(30));
                assertEquals(Integer.toString(k), r.id());
                if (k == 1) {
                    Batcher.Rejected rej = assertInstanceOf(Batcher.Rejected.class, r);
                    assertEquals(Batcher.Reason.MODEL_ERROR, rej.reason());
                    assertTrue(rej.message().contains("injected: ONNX Runtime failed"), rej.message());
                } else {
                    Batcher.Predicted p = assertInstanceOf(Batcher.Predicted.class, r);
                    assertArrayEquals(real.predictOne(GRAPHS.get(k), Buckets.defaults()), p.values(), 1e-5f, "graph " + k);
                }
            }
            assertEquals(3, calls.get());
        }
    }
}
