package org.persite.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * Everything a run needs to go on after the epoch it was written at, as if it had never stopped: the run's
 * arguments, its config and split, the target normalisation, the epoch reached, the loss and validation history,
 * the best epoch and its weights, the current weights (running BatchNorm statistics included), the optimiser's
 * update count and moments, and the batch-order RNG.
 *
 * <p>The file ({@value #FILE_NAME}): a magic line, a JSON header (Jackson), then each tensor as name, length and
 * little-endian floats, then a CRC-32 of all that came before. {@link #write} writes it aside and renames it into
 * place, so a run killed mid-write leaves the previous checkpoint whole.
 *
 * @param arguments how the run was asked for ({@code persite train} arguments), so that a resume needs nothing else
 * @param epochsDone the epochs finished; the run goes on at epochsDone + 1
 * @param parameters the current parameters, by DJL parameter name [each flattened]
 * @param bestParameters the parameters of the best validation epoch so far (empty before the first epoch)
 * @param optimizer the optimiser's state, by parameter name
 * @param shuffleRng the batch-order {@link Random}, serialised
 * @param averageParameters the weight average's values by parameter name (empty for a run without one, and in
 *     checkpoints written before it, which end after the optimiser's moments)
 */
public record TrainingCheckpoint(List<String> arguments, TrainingConfig config, SiteDataset.Split split, double mean, double std, int epochsDone,
        List<Double> losses, List<Double> maes, double best, int bestEpoch, Map<String, float[]> parameters, Map<String, float[]> bestParameters,
        ResumableOptimizer.State optimizer, byte[] shuffleRng, Map<String, float[]> averageParameters) {

    /** The file a run writes in its checkpoint folder. */
    public static final String FILE_NAME = "checkpoint.bin";
    private static final String MAGIC = "persite training checkpoint 1\n";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Removes a checkpoint folder once nothing is left in it (what a run or job did not write stays, and so does the
     * folder); one that cannot be listed or removed is only left behind.
     */
    public static void deleteFolderIfEmpty(Path folder) {
        if (!java.nio.file.Files.isDirectory(folder)) {
            return;
        }
        try (var left = java.nio.file.Files.list(folder)) {
            if (left.findAny().isEmpty()) {
                java.nio.file.Files.delete(folder);
            }
        } catch (java.io.IOException e) {
            // left behind
        }
    }

    /** The JSON part: everything but the tensors. */
    private record Header(List<String> arguments, TrainingConfig config, SiteDataset.Split split, double mean, double std, int epochsDone,
            List<Double> losses, List<Double> maes, double best, int bestEpoch, Map<String, Integer> optimizerUpdates, byte[] shuffleRng) {
    }

    static byte[] serialise(Random r) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(b)) {
            o.writeObject(r);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return b.toByteArray();
    }

    Random shuffleRandom() {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(shuffleRng))) {
            return (Random) in.readObject();
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalArgumentException("the checkpoint's batch-order state is unreadable: " + e.getMessage(), e);
        }
    }

    /** Writes {@code folder/checkpoint.bin} atomically (a temporary file, forced to disk, then renamed over it). */
    public void write(Path folder) throws IOException {
        Files.createDirectories(folder);
        Path tmp = folder.resolve(FILE_NAME + ".tmp");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 20);
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(MAGIC.getBytes(StandardCharsets.US_ASCII));
        byte[] header = JSON.writeValueAsBytes(new Header(arguments, config, split, mean, std, epochsDone, losses, maes, best, bestEpoch,
                optimizer.updates(), shuffleRng));
        out.writeInt(header.length);
        out.write(header);
        writeTensors(out, "parameters", parameters);
        writeTensors(out, "best", bestParameters);
        writeTensors(out, "optimizer.first", optimizer.first());
        writeTensors(out, "optimizer.second", optimizer.second());
        writeTensors(out, "average", averageParameters);
        out.flush();
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        out.writeLong(crc.getValue());
        out.flush();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
                OutputStream os = java.nio.channels.Channels.newOutputStream(ch)) {
            bytes.writeTo(os);
            os.flush();
            ch.force(true);
        }
        Files.move(tmp, folder.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void writeTensors(DataOutputStream out, String group, Map<String, float[]> tensors) throws IOException {
        out.writeUTF(group);
        out.writeInt(tensors.size());
        for (Map.Entry<String, float[]> e : tensors.entrySet()) {
            out.writeUTF(e.getKey());
            float[] v = e.getValue();
            out.writeInt(v.length);
            ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(v);
            out.write(b.array());
        }
    }

    /**
     * Reads {@code folder/checkpoint.bin} (or {@code folder} itself when it is the file).
     *
     * @throws IOException naming the file and what is wrong: missing, not a checkpoint, truncated or damaged
     */
    public static TrainingCheckpoint read(Path folder) throws IOException {
        Path file = Files.isDirectory(folder) ? folder.resolve(FILE_NAME) : folder;
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no training checkpoint here (a run writes one after each epoch)");
        }
        byte[] all = Files.readAllBytes(file);
        if (all.length < MAGIC.length() + 8
                || !new String(all, 0, MAGIC.length(), StandardCharsets.US_ASCII).equals(MAGIC)) {
            throw new IOException(file + ": not a persite training checkpoint");
        }
        CRC32 crc = new CRC32();
        crc.update(all, 0, all.length - 8);
        long stored = ByteBuffer.wrap(all, all.length - 8, 8).getLong();
        if (stored != crc.getValue()) {
            throw new IOException(file + ": damaged or truncated (checksum mismatch)");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(all, MAGIC.length(), all.length - 8 - MAGIC.length()))) {
            byte[] header = new byte[in.readInt()];
            in.readFully(header);
            Header h = JSON.readValue(header, Header.class);
            Map<String, float[]> params = readTensors(in, "parameters");
            Map<String, float[]> best = readTensors(in, "best");
            Map<String, float[]> first = readTensors(in, "optimizer.first");
            Map<String, float[]> second = readTensors(in, "optimizer.second");
            Map<String, float[]> average = in.available() > 0 ? readTensors(in, "average") : Map.of();
            return new TrainingCheckpoint(h.arguments(), h.config(), h.split(), h.mean(), h.std(), h.epochsDone(), h.losses(), h.maes(), h.best(),
                    h.bestEpoch(), params, best, new ResumableOptimizer.State(h.optimizerUpdates(), first, second), h.shuffleRng(), average);
        } catch (EOFException e) {
            throw new IOException(file + ": truncated", e);
        }
    }

    private static Map<String, float[]> readTensors(DataInputStream in, String group) throws IOException {
        String g = in.readUTF();
        if (!g.equals(group)) {
            throw new IOException("expected tensor group " + group + ", found " + g);
        }
        int n = in.readInt();
        Map<String, float[]> out = new LinkedHashMap<>();
        for (int k = 0; k < n; k++) {
            String name = in.readUTF();
            byte[] raw = new byte[4 * in.readInt()];
            in.readFully(raw);
            float[] v = new float[raw.length / 4];
            ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            out.put(name, v);
        }
        return out;
    }
}
