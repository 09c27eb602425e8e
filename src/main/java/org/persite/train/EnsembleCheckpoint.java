package org.persite.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a K-member ensemble job stands, so that it can go on after it was stopped: {@value #FILE_NAME} in the job's
 * checkpoint folder holds the arguments the job was started with, K, and the model directory of every member written so
 * far, in member order; member k (from 1) checkpoints after every epoch in {@code member-k/} beside it. Going on, the
 * written members are loaded, the member that was training goes on from its last epoch, and the rest are trained. The
 * file is replaced atomically (written aside, forced to disk, renamed), and removed with the folder when the ensemble
 * version is written.
 *
 * <p>A member whose version was written but not yet recorded here when the job stopped (a window of one file write) is
 * trained again; the written version stays, unused.
 */
public final class EnsembleCheckpoint {
    /** The progress file in an ensemble job's checkpoint folder. */
    public static final String FILE_NAME = "ensemble.json";
    static final String FORMAT = "persite-ensemble-checkpoint/1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path folder;
    private final List<String> arguments;
    private final int seeds;
    private final List<Path> done;

    private EnsembleCheckpoint(Path folder, List<String> arguments, int seeds, List<Path> done) {
        this.folder = folder;
        this.arguments = List.copyOf(arguments);
        this.seeds = seeds;
        this.done = new ArrayList<>(done);
    }

    /** Whether {@code folder} holds an ensemble job's progress. */
    public static boolean isEnsemble(Path folder) {
        return Files.isRegularFile(folder.resolve(FILE_NAME));
    }

    /** A new job's progress, written at once (no member done). */
    public static EnsembleCheckpoint start(Path folder, List<String> arguments, int seeds) throws IOException {
        if (seeds < 2) {
            throw new IllegalArgumentException("an ensemble job has at least 2 members, not " + seeds);
        }
        EnsembleCheckpoint c = new EnsembleCheckpoint(folder.toAbsolutePath(), arguments, seeds, List.of());
        c.write();
        return c;
    }

    /** The progress kept in {@code folder}; an IOException names what is missing or damaged. */
    public static EnsembleCheckpoint read(Path folder) throws IOException {
        Path f = folder.resolve(FILE_NAME);
        if (!Files.isRegularFile(f)) {
            throw new IOException(folder + " holds no ensemble job (" + FILE_NAME + ")");
        }
        JsonNode n;
        try {
            n = JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new IOException(f + " is damaged: " + e.getMessage(), e);
        }
        if (n == null || !FORMAT.equals(n.path("format").asText())) {
            throw new IOException(f + " is not an ensemble job's progress (format " + FORMAT + ")");
        }
        int seeds = n.path("seeds").asInt(0);
        List<String> arguments = new ArrayList<>();
        n.path("arguments").forEach(a -> arguments.add(a.asText()));
        List<Path> done = new ArrayList<>();
        n.path("members_done").forEach(a -> done.add(Path.of(a.asText())));
        if (seeds < 2 || done.size() > seeds) {
            throw new IOException(f + " is damaged: " + seeds + " members, " + arguments.size() + " arguments, " + done.size() + " done");
        }
        return new EnsembleCheckpoint(folder.toAbsolutePath(), arguments, seeds, done);
    }

    public Path folder() {
        return folder;
    }

    /**
     * The arguments the job was started with, as {@code persite train} takes them; empty for a server's job, which keeps
     * its request in {@code job.json} beside ({@link TrainingProcess#saveJob}).
     */
    public List<String> arguments() {
        return arguments;
    }

    /** K, the members. */
    public int seeds() {
        return seeds;
    }

    /** The model directories of the members written so far, in member order. */
    public List<Path> done() {
        return List.copyOf(done);
    }

    /** Member k's checkpoint folder (k from 0; the folder is named from 1). */
    public Path memberFolder(int k) {
        return folder.resolve("member-" + (k + 1));
    }

    /** The checkpointing of member k: its folder, going on from the checkpoint there if it holds one. */
    public CgcnnTrainer.Checkpointing memberCheckpointing(int k) throws IOException {
        Path f = memberFolder(k);
        TrainingCheckpoint from = Files.isRegularFile(f.resolve(TrainingCheckpoint.FILE_NAME)) ? TrainingCheckpoint.read(f) : null;
        return new CgcnnTrainer.Checkpointing(f, from, List.of());
    }

    /** Records member k's written version; k must be the next member. */
    public void memberDone(int k, Path modelDirectory) throws IOException {
        if (k != done.size()) {
            throw new IllegalStateException("member " + (k + 1) + " finished, but " + done.size() + " members are recorded");
        }
        done.add(modelDirectory.toAbsolutePath());
        write();
    }

    /** The job is over: its progress file and folder go (a member folder left empty goes too). */
    public void finish() throws IOException {
        Files.deleteIfExists(folder.resolve(FILE_NAME));
        for (int k = 0; k < seeds; k++) {
            TrainingCheckpoint.deleteFolderIfEmpty(memberFolder(k));
        }
        TrainingCheckpoint.deleteFolderIfEmpty(folder);
    }

    private void write() throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("format", FORMAT);
        n.put("seeds", seeds);
        ArrayNode a = n.putArray("arguments");
        arguments.forEach(a::add);
        ArrayNode d = n.putArray("members_done");
        done.forEach(p -> d.add(p.toString()));
        Files.createDirectories(folder);
        Path aside = folder.resolve(FILE_NAME + ".tmp");
        try (var out = java.nio.channels.FileChannel.open(aside, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(java.nio.ByteBuffer.wrap(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n)));
            out.force(true);
        }
        Files.move(aside, folder.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
