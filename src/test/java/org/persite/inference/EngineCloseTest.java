package org.persite.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestModels;
import org.persite.model.LoadedModel;

/**
 * Closing an engine while batches run on it (a retired version closing under a late batch): close waits for the runs
 * in flight, every run either completes or fails with a clear "unloaded", and none touches the freed session (which
 * would kill this JVM with SIGSEGV rather than fail an assertion).
 */
class EngineCloseTest {
    @TempDir
    Path tmp;

    @Test
    void closeWaitsForRunsInFlightAndLaterRunsFailCleanly() throws Exception {
        LoadedModel m = TestModels.write(tmp.resolve("m"), "m", 1, 1, 3);
        OnnxInferenceEngine engine = OnnxInferenceEngine.open(m, Device.CPU, false, 1);
        PaddedBatch big = PaddedBatch.padding(4096, engine.maxNeighbors());
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger unloaded = new AtomicInteger();
        AtomicReference<Throwable> other = new AtomicReference<>();
        CountDownLatch running = new CountDownLatch(2);
        Thread[] workers = new Thread[2];
        for (int t = 0; t < workers.length; t++) {
            workers[t] = new Thread(() -> {
                running.countDown();
                for (int i = 0; i < 50; i++) {
                    try {
                        assertEquals(4096 * engine.outputsPerSite(), engine.run(big).length);
                        completed.incrementAndGet();
                    } catch (InferenceException e) {
                        if (e.getMessage().contains("was unloaded")) {
                            unloaded.incrementAndGet();
                        } else {
                            other.set(e);
                        }
                    } catch (Throwable e) {
                        other.set(e);
                    }
                }
            });
            workers[t].start();
        }
        running.await();
        Thread.sleep(50);
        engine.close();
        engine.close(); // idempotent
        for (Thread w : workers) {
            w.join();
        }
        assertEquals(null, other.get());
        assertEquals(100, completed.get() + unloaded.get());
        assertTrue(unloaded.get() > 0, "runs after close fail as unloaded");
        InferenceException after = assertThrows(InferenceException.class, () -> engine.run(big));
        assertTrue(after.getMessage().contains("m v1 was unloaded"), after.getMessage());
    }
}
