package org.persite.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a model's gate set, {@code models/<name>/gate.jsonl.gz}: the records of a JSON Lines dataset whose
 * {@code id} is in a held-out split (the first training's test split), copied as they are, so every later
 * version of the model is compared with the active one on the same structures. The file is written aside and
 * renamed, so a reader never sees half of it.
 */
public final class GateSetWriter {
    /** The file a model folder's gate set is kept in. */
    public static final String FILE = "gate.jsonl.gz";
    /** The most structures written (the first in file order); the gate runs at every activation. */
    public static final int MAX_STRUCTURES = 1000;

    private static final ObjectMapper JSON = new ObjectMapper();

    private GateSetWriter() {
    }

    /** The raw record id of an example ({@code file#id} → {@code id}). */
    static String recordId(SiteDataset.Example e) {
        int hash = e.id().lastIndexOf('#');
        return hash < 0 ? e.id() : e.id().substring(hash + 1);
    }

    /**
     * Writes the gate set of {@code modelFolder} from the examples' records in {@code data}, unless it has one.
     *
     * @return the number of structures written; 0 when the folder had a gate set, or {@code data} is not JSON Lines
     */
    public static int writeIfAbsent(Path modelFolder, Path data, List<SiteDataset.Example> heldOut) throws IOException {
        Path target = modelFolder.resolve(FILE);
        String n = data.getFileName().toString();
        if (Files.exists(target) || Files.exists(modelFolder.resolve("gate.jsonl")) || Files.isDirectory(data)
                || !(n.endsWith(".jsonl") || n.endsWith(".jsonl.gz"))) {
            return 0;
        }
        Set<String> ids = new HashSet<>();
        heldOut.forEach(e -> ids.add(recordId(e)));
        Files.createDirectories(modelFolder);
        Path tmp = Files.createTempFile(modelFolder, ".gate", ".tmp");
        int written = 0;
        try {
            try (InputStream raw = Files.newInputStream(data); InputStream in = n.endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
                    BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                    OutputStream out = new GZIPOutputStream(Files.newOutputStream(tmp), 1 << 16);
                    Writer w = new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8)) {
                String line;
                while ((line = lines.readLine()) != null && written < MAX_STRUCTURES) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode id;
                    try {
                        id = JSON.readTree(line).get("id");
                    } catch (IOException bad) {
                        continue; // the dataset reader counted it as refused already
                    }
                    if (id != null && ids.contains(id.asText())) {
                        w.write(line);
                        w.write('\n');
                        written++;
                    }
                }
            }
            if (written == 0) {
                return 0;
            }
            try { // temporary files are private; a gate set is read by servers running as other users
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException notPosix) {
                // no POSIX permissions to widen
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return written;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
