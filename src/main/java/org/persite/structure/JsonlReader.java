package org.persite.structure;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads our JSON Lines datasets ({@code data/*}/README.md): one structure per line with {@code lattice}
 * (rows a, b, c in Å), {@code species} [N], {@code frac_coords} [N][3], and per-site targets as arrays of
 * N numbers where {@code null} marks an unlabelled site (NaN here). Other scalar fields become attributes.
 * Each line is its own structure: a bad line is one error, and the lines around it are read as usual.
 */
final class JsonlReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Array fields that describe the structure itself, never a per-site target. */
    private static final Set<String> STRUCTURAL = Set.of("lattice", "species", "frac_coords", "cell_parameters", "cart_coords");

    private final StructureValidator validator;

    JsonlReader(StructureValidator validator) {
        this.validator = validator;
    }

    /** A source named "FILE:LINE": one line cut out of FILE by a client (persite predict --server sends each line so). */
    private static final java.util.regex.Pattern LINE_OF_FILE = java.util.regex.Pattern.compile("^(.+):(\\d{1,9})$");

    /**
     * Reads every line of {@code in}, handing each outcome to {@code sink} as soon as it is known. When {@code source}
     * is "FILE:LINE", the lines are numbered from LINE in FILE, so a line sent alone names its structure as the whole
     * file read here would ("FILE#ID", or "FILE:LINE" without an id), and the two outputs join.
     */
    void read(String source, BufferedReader in, Consumer<ParseResult> sink) {
        java.util.regex.Matcher m = LINE_OF_FILE.matcher(source);
        String file = m.matches() ? m.group(1) : source;
        int offset = m.matches() ? Integer.parseInt(m.group(2)) - 1 : 0;
        split(source, in, (lineNo, text) -> sink.accept(line(file, offset + lineNo, text)), sink);
    }

    /** One non-blank line of a JSON Lines input, not yet parsed. */
    @FunctionalInterface
    interface LineSink {
        void line(int lineNo, String text);
    }

    /**
     * Cuts {@code in} into its non-blank lines, in order, without parsing them ({@link #line} parses one); an input
     * without any line gives {@code empty} its one EMPTY failure instead.
     */
    void split(String source, BufferedReader in, LineSink lines, Consumer<ParseResult> empty) {
        int lineNo = 0;
        boolean any = false;
        try {
            String line;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                any = true;
                lines.line(lineNo, line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!any) {
            empty.accept(new ParseResult.Failed(new StructureException(source, 0, ErrorKind.EMPTY, "no JSON lines")));
        }
    }

    /** Parses and validates one line (its number for the messages). */
    ParseResult line(String source, int lineNo, String text) {
        String name = source + ":" + lineNo;
        try {
            JsonNode node;
            try {
                node = JSON.readTree(text);
            } catch (JsonProcessingException e) {
                throw new StructureException(name, lineNo, ErrorKind.SYNTAX, "not valid JSON: " + e.getOriginalMessage());
            }
            if (node == null || !node.isObject()) {
                throw new StructureException(name, lineNo, ErrorKind.SYNTAX, "a line must hold one JSON object");
            }
            if (node.hasNonNull("id")) {
                name = source + "#" + node.get("id").asText();
            }
            return new ParseResult.Parsed(record(name, lineNo, node));
        } catch (StructureException e) {
            return new ParseResult.Failed(e);
        } catch (RuntimeException e) {
            // a reader defect costs this line only; the lines after it are still read
            return new ParseResult.Failed(new StructureException(name, lineNo, ErrorKind.INTERNAL,
                    "internal reader error (" + e.getClass().getSimpleName() + ": " + e.getMessage() + "); please report this input"));
        }
    }

    private LabeledStructure record(String src, int lineNo, JsonNode node) throws StructureException {
        JsonNode lat = require(src, lineNo, node, "lattice");
        JsonNode species = require(src, lineNo, node, "species");
        JsonNode coords = require(src, lineNo, node, "frac_coords");
        if (!lat.isArray() || lat.size() != 3) {
            throw new StructureException(src, lineNo, ErrorKind.BAD_CELL, "lattice must be a 3x3 array");
        }
        double[] m = new double[9];
        for (int r = 0; r < 3; r++) {
            JsonNode row = lat.get(r);
            if (!row.isArray() || row.size() != 3) {
                throw new StructureException(src, lineNo, ErrorKind.BAD_CELL, "lattice must be a 3x3 array");
            }
            for (int k = 0; k < 3; k++) {
                m[3 * r + k] = number(src, lineNo, row.get(k), "lattice");
            }
        }
        if (!species.isArray() || !coords.isArray()) {
            throw new StructureException(src, lineNo, ErrorKind.SYNTAX, "species and frac_coords must be arrays");
        }
        int n = species.size();
        if (coords.size() != n) {
            throw new StructureException(src, lineNo, ErrorKind.SYNTAX, n + " species but " + coords.size() + " frac_coords");
        }
        validator.checkAtomCount(src, lineNo, n);
        String[] symbols = new String[n];
        double[] frac = new double[3 * n];
        for (int i = 0; i < n; i++) {
            symbols[i] = species.get(i).asText();
            JsonNode c = coords.get(i);
            if (!c.isArray() || c.size() != 3) {
                throw new StructureException(src, lineNo, ErrorKind.SYNTAX, "frac_coords[" + i + "] must have 3 numbers");
            }
            for (int k = 0; k < 3; k++) {
                frac[3 * i + k] = number(src, lineNo, c.get(k), "frac_coords");
            }
        }
        Map<String, double[]> targets = new HashMap<>();
        Map<String, Object> attributes = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode v = e.getValue();
            if (STRUCTURAL.contains(key)) {
                continue;
            }
            if (v.isArray() && v.size() == n && isNumberArray(v)) {
                double[] t = new double[n];
                for (int i = 0; i < n; i++) {
                    t[i] = v.get(i).isNull() ? Double.NaN : v.get(i).asDouble();
                }
                targets.put(key, t);
            } else if (v.isBoolean()) {
                attributes.put(key, v.asBoolean());
            } else if (v.isIntegralNumber()) {
                attributes.put(key, v.asLong());
            } else if (v.isNumber()) {
                attributes.put(key, v.asDouble());
            } else if (v.isTextual()) {
                attributes.put(key, v.asText());
            }
        }
        Structure s = validator.fromArrays(src, lineNo, m, symbols, frac);
        return new LabeledStructure(s, targets, attributes);
    }

    private static boolean isNumberArray(JsonNode v) {
        for (JsonNode x : v) {
            if (!x.isNumber() && !x.isNull()) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode require(String src, int lineNo, JsonNode node, String field) throws StructureException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new StructureException(src, lineNo, ErrorKind.MISSING, "missing field '" + field + "'");
        }
        return v;
    }

    private static double number(String src, int lineNo, JsonNode v, String what) throws StructureException {
        if (v == null || !v.isNumber() || !Double.isFinite(v.asDouble())) {
            throw new StructureException(src, lineNo, ErrorKind.BAD_NUMBER, what + " holds a value that is not a finite number: " + v);
        }
        return v.asDouble();
    }
}
