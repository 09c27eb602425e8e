package org.persite.structure;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * The one entry point for reading structures: files or in-memory content in any supported {@link Format}.
 * It never throws for bad content. Every structure in the input comes back as a {@link ParseResult}, good
 * or failed, in input order, so one bad structure never costs the others. Thread-safe.
 */
public final class StructureReader {
    private final StructureValidator validator;
    private final CifReader cif;
    private final PoscarReader poscar;
    private final ExtXyzReader xyz;
    private final JsonlReader jsonl;

    /**
     * @param limits the limits every structure must meet
     * @param overlaps the minimum-distance check (the graph package's cell list)
     */
    public StructureReader(StructureLimits limits, OverlapFinder overlaps) {
        this.validator = new StructureValidator(limits, overlaps);
        this.cif = new CifReader(validator);
        this.poscar = new PoscarReader(validator);
        this.xyz = new ExtXyzReader(validator);
        this.jsonl = new JsonlReader(validator);
    }

    public StructureLimits limits() {
        return validator.limits();
    }

    /** Reads a file; a file that cannot be read is one failed result naming it. */
    public List<ParseResult> readFile(Path path, Format format) {
        List<ParseResult> out = new ArrayList<>();
        readFile(path, format, out::add);
        return out;
    }

    /** Reads a file, handing each structure's outcome to {@code sink} in input order. */
    public void readFile(Path path, Format format, Consumer<ParseResult> results) {
        readFileTasks(path, format, task -> task.read().forEach(results));
    }

    /**
     * One unit of parsing work, cut from a file by {@link #readFileTasks}: one JSON line, or one whole file of
     * another format. {@link #read} parses and validates it (the costly part) and may run on any thread; it never
     * throws.
     */
    @FunctionalInterface
    public interface ReadTask {
        /** The structures of this unit, in input order, each parsed or failed. */
        List<ParseResult> read();
    }

    /**
     * Reads a file on this thread only as far as cutting it into {@link ReadTask}s (lines of JSON Lines, the whole
     * content otherwise), handed to {@code tasks} in input order: the caller parses them where it likes, for
     * example on a pool, and keeps their order. A JSON Lines file is streamed, so memory does not grow with it.
     */
    public void readFileTasks(Path path, Format format, Consumer<ReadTask> tasks) {
        String name = path.toString();
        try {
            boolean gz = name.endsWith(".gz");
            Format f = format == Format.AUTO ? Format.detect(name, head(path, gz)) : format;
            if (f == Format.JSONL) {
                try (InputStream raw = Files.newInputStream(path);
                        InputStream in = gz ? new GZIPInputStream(raw, 1 << 16) : raw;
                        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
                    jsonl.split(name, r, (lineNo, text) -> tasks.accept(() -> List.of(strict(jsonl.line(name, lineNo, text)))),
                            empty -> tasks.accept(() -> List.of(empty)));
                }
                return;
            }
            byte[] bytes;
            try (InputStream raw = Files.newInputStream(path); InputStream in = gz ? new GZIPInputStream(raw) : raw) {
                bytes = readBounded(in, limits().maxInputBytes());
            }
            if (bytes == null) {
                ParseResult tooLarge = tooLarge(name);
                tasks.accept(() -> List.of(tooLarge));
                return;
            }
            tasks.accept(() -> read(name, f, bytes));
        } catch (RuntimeException e) {
            ParseResult failed = internal(name, e);
            tasks.accept(() -> List.of(failed));
        } catch (NoSuchFileException e) {
            ParseResult failed = new ParseResult.Failed(new StructureException(name, 0, ErrorKind.MISSING, "no such file"));
            tasks.accept(() -> List.of(failed));
        } catch (IOException e) {
            ParseResult failed = new ParseResult.Failed(new StructureException(name, 0, ErrorKind.MISSING, "cannot read the file: " + e.getMessage()));
            tasks.accept(() -> List.of(failed));
        }
    }

    /** Reads in-memory content (for example a gRPC request's text). */
    public List<ParseResult> read(String name, Format format, byte[] content) {
        try {
            return readChecked(name, format, content).stream().map(this::strict).toList();
        } catch (RuntimeException e) {
            // last line of defence: a reader bug costs this input only, never the stream around it
            return List.of(internal(name, e));
        }
    }

    /** With strict limits, a structure read with an assumption is refused, its first warning the reason. */
    private ParseResult strict(ParseResult r) {
        if (limits().strict() && r instanceof ParseResult.Parsed p && !p.warnings().isEmpty()) {
            String w = p.warnings().get(0);
            return new ParseResult.Failed(new StructureException(p.value().structure().source(), 0, ErrorKind.ASSUMPTION,
                    "refused under persite.structure.strict (--strict): " + w));
        }
        return r;
    }

    private static ParseResult internal(String name, RuntimeException e) {
        return new ParseResult.Failed(new StructureException(name, 0, ErrorKind.INTERNAL,
                "internal reader error (" + e.getClass().getSimpleName() + ": " + e.getMessage() + "); please report this input"));
    }

    private List<ParseResult> readChecked(String name, Format format, byte[] content) {
        if (content.length > limits().maxInputBytes()) {
            return List.of(tooLarge(name));
        }
        if (content.length == 0 || isBlank(content)) {
            return List.of(new ParseResult.Failed(new StructureException(name, 0, ErrorKind.EMPTY, "the input is empty")));
        }
        int bad = firstControlByte(content);
        if (bad >= 0) {
            int line = 1;
            for (int i = 0; i < bad; i++) {
                if (content[i] == '\n') {
                    line++;
                }
            }
            return List.of(new ParseResult.Failed(new StructureException(name, line, ErrorKind.BINARY, String.format(
                    "binary content: control byte 0x%02x at offset %d; expected a text structure file", content[bad] & 0xff, bad))));
        }
        String text = new String(content, StandardCharsets.UTF_8);
        Format f = format == Format.AUTO ? Format.detect(name, text.substring(0, Math.min(text.length(), 8192))) : format;
        return switch (f) {
            case CIF -> cif.read(name, text);
            case POSCAR -> poscar.read(name, text);
            case EXTXYZ -> xyz.read(name, text);
            case JSONL -> {
                List<ParseResult> out = new ArrayList<>();
                jsonl.read(name, new BufferedReader(new InputStreamReader(new ByteArrayInputStream(content), StandardCharsets.UTF_8)), out::add);
                yield out;
            }
            case AUTO -> throw new IllegalStateException("detect() never answers AUTO");
        };
    }

    /** Reads in-memory text. */
    public List<ParseResult> read(String name, Format format, String text) {
        return read(name, format, text.getBytes(StandardCharsets.UTF_8));
    }

    private ParseResult tooLarge(String name) {
        return new ParseResult.Failed(new StructureException(name, 0, ErrorKind.TOO_LARGE, String.format(
                "the input is larger than %d bytes (persite.structure.max-input-bytes)", limits().maxInputBytes())));
    }

    private static String head(Path path, boolean gz) throws IOException {
        try (InputStream raw = Files.newInputStream(path); InputStream in = gz ? new GZIPInputStream(raw) : raw) {
            return new String(in.readNBytes(8192), StandardCharsets.ISO_8859_1);
        }
    }

    /** All of {@code in}, or null when it holds more than {@code max} bytes (a gzip bomb stops there too). */
    private static byte[] readBounded(InputStream in, long max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        long total = 0;
        int r;
        while ((r = in.read(buf)) > 0) {
            total += r;
            if (total > max) {
                return null;
            }
            out.write(buf, 0, r);
        }
        return out.toByteArray();
    }

    private static boolean isBlank(byte[] b) {
        for (byte x : b) {
            if (x != ' ' && x != '\t' && x != '\n' && x != '\r') {
                return false;
            }
        }
        return true;
    }

    /** Index of the first byte that no text file holds (NUL and C0 controls other than tab, LF, FF, CR), or -1. */
    private static int firstControlByte(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            int c = b[i] & 0xff;
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') {
                return i;
            }
        }
        return -1;
    }
}
