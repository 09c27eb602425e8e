package org.persite.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/persite train} killed with SIGKILL after its third epoch, then {@code bin/persite train --resume DIR},
 * writes a model.onnx with the same weights, byte for byte, as the same command run without interruption. One PyTorch thread, so
 * that the kernels sum in the same order in both runs.
 */
class TrainResumeIT {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final List<String> TRAIN = List.of("bin/persite", "train", "--data", "data/mp_magmom_tmo/sample_500/sample_500.jsonl",
            "--property", "magmom", "--transform", "abs", "--unit", "μB", "--epochs", "6", "--batch", "32", "--features", "16", "--conv", "1",
            "--hidden-width", "32", "--seed", "5");

    @TempDir
    Path tmp;

    @Test
    void aRunKilledAfterEpochThreeAndResumedWritesTheUninterruptedRunsModel() throws Exception {
        Path whole = tmp.resolve("whole");
        Path killed = tmp.resolve("killed");
        Result a = run(with("--out", whole.toString()), 300);
        assertEquals(0, a.code, a.out);
        assertFalse(Files.exists(whole.resolve("checkpoint/checkpoint.bin")), "a finished run leaves no checkpoint");

        // the same run, killed once epoch 3 is reported (its checkpoint is written before the line is printed)
        Path log = tmp.resolve("killed.log");
        Process p = builder(with("--out", killed.toString())).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (!Files.readString(log).contains("epoch 3/6") && System.nanoTime() < deadline && p.isAlive()) {
            Thread.sleep(50);
        }
        assertTrue(Files.readString(log).contains("epoch 3/6"), Files.readString(log));
        p.children().forEach(ProcessHandle::destroyForcibly); // SIGKILL to the JVM under the launcher
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue(), Files.readString(log));
        Path checkpoint = killed.resolve("checkpoint");
        assertTrue(Files.exists(checkpoint.resolve("checkpoint.bin")), "the killed run left its checkpoint");
        assertFalse(Files.exists(killed.resolve("1")), "no version was written by the killed run");

        Result b = run(List.of("bin/persite", "train", "--resume", checkpoint.toString()), 300);
        assertEquals(0, b.code, b.out);
        assertTrue(b.out.contains("resuming after epoch 3 of 6") || b.out.contains("resuming after epoch 4 of 6"), b.out);
        assertTrue(b.out.contains("epoch 6/6"), b.out);
        assertFalse(b.out.contains("epoch 1/6"), "the resumed run does not start again at epoch 1:\n" + b.out);
        var wholeGraph = org.persite.model.onnx.OnnxProto.ModelProto.parseFrom(Files.readAllBytes(whole.resolve("1/model.onnx"))).getGraph();
        var resumedGraph = org.persite.model.onnx.OnnxProto.ModelProto.parseFrom(Files.readAllBytes(killed.resolve("1/model.onnx"))).getGraph();
        assertEquals(wholeGraph.getInitializerCount(), resumedGraph.getInitializerCount());
        assertTrue(wholeGraph.getInitializerCount() > 5);
        for (int i = 0; i < wholeGraph.getInitializerCount(); i++) {
            var w = wholeGraph.getInitializer(i);
            var r = resumedGraph.getInitializer(i);
            assertEquals(w.getName(), r.getName());
            // every weight, byte for byte (the models differ only in their doc strings, which name their folders)
            assertTrue(w.getRawData().size() > 0, "weights are raw_data");
            assertArrayEquals(w.getRawData().toByteArray(), r.getRawData().toByteArray(), "initializer " + w.getName());
        }
        assertFalse(Files.exists(checkpoint.resolve("checkpoint.bin")), "the checkpoint is removed once the version is written");
    }

    /**
     * A {@code --seeds 2} job killed in its second member, after that member's first epoch, and resumed: the first member
     * is not trained again, the second goes on from its checkpoint, and the members and the ensemble are the uninterrupted
     * job's, byte for byte.
     */
    @Test
    void anEnsembleJobKilledInItsSecondMemberAndResumedWritesTheUninterruptedJobsEnsemble() throws Exception {
        Path whole = tmp.resolve("whole-ensemble");
        Path killed = tmp.resolve("killed-ensemble");
        List<String> job = new ArrayList<>(TRAIN);
        job.set(job.indexOf("--epochs") + 1, "3");
        job.addAll(List.of("--seeds", "2", "--split-seed", "2"));
        Result a = run(concat(job, "--out", whole.toString()), 300);
        assertEquals(0, a.code, a.out);
        assertFalse(Files.exists(whole.resolve("checkpoint")), "a finished job leaves no checkpoint folder");

        Path log = tmp.resolve("killed-ensemble.log");
        Process p = builder(concat(job, "--out", killed.toString())).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        String member2 = "member 2/2 (seed 6)  epoch 1/3";
        while (!Files.readString(log).contains(member2) && System.nanoTime() < deadline && p.isAlive()) {
            Thread.sleep(50);
        }
        assertTrue(Files.readString(log).contains(member2), Files.readString(log));
        p.children().forEach(ProcessHandle::destroyForcibly);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue(), Files.readString(log));
        Path checkpoint = killed.resolve("checkpoint");
        assertTrue(Files.exists(checkpoint.resolve("ensemble.json")), "the killed job left its progress");
        assertTrue(Files.exists(checkpoint.resolve("member-2/checkpoint.bin")), "and its second member's checkpoint");
        assertFalse(Files.exists(killed.resolve("1")), "no ensemble was written by the killed job");

        // resuming from the member's own folder points at the job
        Result wrong = run(List.of("bin/persite", "train", "--resume", checkpoint.resolve("member-2").toString()), 120);
        assertEquals(2, wrong.code, wrong.out);
        assertTrue(wrong.out.contains("persite train --resume " + checkpoint), wrong.out);

        Result b = run(List.of("bin/persite", "train", "--resume", checkpoint.toString()), 300);
        assertEquals(0, b.code, b.out);
        assertTrue(b.out.contains("resuming an ensemble job, 1 of 2 members written"), b.out);
        assertFalse(b.out.contains("member 1/2 (seed 5)  epoch"), "the first member is not trained again:\n" + b.out);
        assertTrue(b.out.contains("member 2/2: going on after epoch 1 of 3") || b.out.contains("member 2/2: going on after epoch 2 of 3"), b.out);
        assertFalse(b.out.contains(member2), "the second member does not start again at epoch 1:\n" + b.out);
        assertFalse(Files.exists(checkpoint), "the progress and the members' checkpoints are removed once the ensemble is written");
        for (String model : List.of("members/1/model.onnx", "members/2/model.onnx", "1/model.onnx")) {
            assertSameWeights(whole.resolve(model), killed.resolve(model));
        }
    }

    private static void assertSameWeights(Path expected, Path actual) throws Exception {
        var a = org.persite.model.onnx.OnnxProto.ModelProto.parseFrom(Files.readAllBytes(expected)).getGraph();
        var b = org.persite.model.onnx.OnnxProto.ModelProto.parseFrom(Files.readAllBytes(actual)).getGraph();
        assertEquals(a.getInitializerCount(), b.getInitializerCount(), actual.toString());
        assertTrue(a.getInitializerCount() > 5);
        for (int i = 0; i < a.getInitializerCount(); i++) {
            assertEquals(a.getInitializer(i).getName(), b.getInitializer(i).getName());
            assertArrayEquals(a.getInitializer(i).getRawData().toByteArray(), b.getInitializer(i).getRawData().toByteArray(),
                    actual + ": initializer " + a.getInitializer(i).getName());
        }
    }

    private static List<String> concat(List<String> first, String... more) {
        List<String> c = new ArrayList<>(first);
        c.addAll(List.of(more));
        return c;
    }

    private static List<String> with(String... more) {
        List<String> c = new ArrayList<>(TRAIN);
        c.addAll(List.of(more));
        return c;
    }

    private static ProcessBuilder builder(List<String> cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
        pb.environment().put("PERSITE_JAVA_OPTS", "-Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1");
        return pb;
    }

    private Result run(List<String> cmd, int seconds) throws Exception {
        Path out = Files.createTempFile(tmp, "run", ".log");
        Process p = builder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("did not finish in " + seconds + " s:\n" + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out));
    }

    private record Result(int code, String out) {
    }
}
