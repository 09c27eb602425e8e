package org.persite.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An ensemble job's progress file: what it keeps, in what order, what it refuses, and that it goes when the job ends. */
class EnsembleCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void keepsTheArgumentsAndTheWrittenMembersInOrder() throws Exception {
        Path folder = tmp.resolve("ckpt");
        EnsembleCheckpoint c = EnsembleCheckpoint.start(folder, List.of("--data", "x.jsonl", "--seeds", "3"), 3);
        assertTrue(EnsembleCheckpoint.isEnsemble(folder));
        c.memberDone(0, tmp.resolve("models/m/members/1"));
        EnsembleCheckpoint read = EnsembleCheckpoint.read(folder);
        assertEquals(3, read.seeds());
        assertEquals(List.of("--data", "x.jsonl", "--seeds", "3"), read.arguments());
        assertEquals(List.of(tmp.resolve("models/m/members/1").toAbsolutePath()), read.done());
        assertThrows(IllegalStateException.class, () -> read.memberDone(2, tmp.resolve("models/m/members/3")), "member 3 before member 2");
        read.memberDone(1, tmp.resolve("models/m/members/2"));
        assertEquals(2, EnsembleCheckpoint.read(folder).done().size());
        assertEquals(folder.toAbsolutePath().resolve("member-3"), read.memberFolder(2));
        assertFalse(Files.exists(folder.resolve(EnsembleCheckpoint.FILE_NAME + ".tmp")), "nothing is left aside");
    }

    @Test
    void aMemberGoesOnFromItsCheckpointOnlyWhenItHasOne() throws Exception {
        EnsembleCheckpoint c = EnsembleCheckpoint.start(tmp.resolve("ckpt"), List.of("--seeds", "2"), 2);
        CgcnnTrainer.Checkpointing first = c.memberCheckpointing(0);
        assertEquals(c.memberFolder(0), first.folder());
        assertNull(first.resumeFrom(), "no checkpoint yet: the member starts");
        Files.createDirectories(c.memberFolder(1));
        Files.writeString(c.memberFolder(1).resolve(TrainingCheckpoint.FILE_NAME), "not a checkpoint");
        assertThrows(IOException.class, () -> c.memberCheckpointing(1), "a damaged member checkpoint is refused, not trained over");
    }

    @Test
    void refusesWhatIsNotAJobsProgress() throws Exception {
        Path folder = tmp.resolve("bad");
        assertFalse(EnsembleCheckpoint.isEnsemble(folder));
        IOException none = assertThrows(IOException.class, () -> EnsembleCheckpoint.read(folder));
        assertTrue(none.getMessage().contains("holds no ensemble job"), none.getMessage());
        Files.createDirectories(folder);
        Files.writeString(folder.resolve(EnsembleCheckpoint.FILE_NAME), "{\"format\": \"persite-ensemble-checkpoint/1\", \"seeds\": 2, \"argu");
        IOException cut = assertThrows(IOException.class, () -> EnsembleCheckpoint.read(folder));
        assertTrue(cut.getMessage().contains("damaged"), cut.getMessage());
        Files.writeString(folder.resolve(EnsembleCheckpoint.FILE_NAME), "{\"format\": \"something-else/1\"}");
        assertTrue(assertThrows(IOException.class, () -> EnsembleCheckpoint.read(folder)).getMessage().contains("not an ensemble job"));
        Files.writeString(folder.resolve(EnsembleCheckpoint.FILE_NAME),
                "{\"format\": \"persite-ensemble-checkpoint/1\", \"seeds\": 2, \"arguments\": [\"--seeds\", \"2\"], \"members_done\": [\"a\", \"b\", \"c\"]}");
        assertTrue(assertThrows(IOException.class, () -> EnsembleCheckpoint.read(folder)).getMessage().contains("3 done"));
        assertThrows(IllegalArgumentException.class, () -> EnsembleCheckpoint.start(tmp.resolve("one"), List.of("--seeds", "1"), 1));
    }

    @Test
    void finishingRemovesTheProgressAndTheEmptyFolders() throws Exception {
        Path folder = tmp.resolve("ckpt");
        EnsembleCheckpoint c = EnsembleCheckpoint.start(folder, List.of("--seeds", "2"), 2);
        Files.createDirectories(c.memberFolder(0));
        c.finish();
        assertFalse(Files.exists(folder), "the job's folder goes with its progress");
        EnsembleCheckpoint kept = EnsembleCheckpoint.start(folder, List.of("--seeds", "2"), 2);
        Files.writeString(folder.resolve("notes.txt"), "the user's");
        kept.finish();
        assertFalse(EnsembleCheckpoint.isEnsemble(folder));
        assertTrue(Files.exists(folder.resolve("notes.txt")), "what the job did not write is left");
    }
}
