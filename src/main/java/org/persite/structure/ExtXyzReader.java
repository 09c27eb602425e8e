package org.persite.structure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads extended XYZ: for each frame, the atom count, a comment line of {@code key=value} pairs holding
 * {@code Lattice="ax ay az bx by bz cx cy cz"} (Å) and {@code Properties=species:S:1:pos:R:3...}, then one
 * line per atom. Several frames per file give several structures. Positions are Cartesian (Å).
 */
final class ExtXyzReader {
    private final StructureValidator validator;

    ExtXyzReader(StructureValidator validator) {
        this.validator = validator;
    }

    List<ParseResult> read(String source, String text) {
        String[] lines = text.split("\r?\n", -1);
        List<ParseResult> out = new ArrayList<>();
        int idx = 0;
        int frame = 0;
        while (true) {
            while (idx < lines.length && lines[idx].isBlank()) {
                idx++;
            }
            if (idx >= lines.length) {
                break;
            }
            String name = source + "#" + frame;
            int n;
            try {
                n = Integer.parseInt(lines[idx].strip());
            } catch (NumberFormatException e) {
                out.add(new ParseResult.Failed(new StructureException(name, idx + 1, ErrorKind.SYNTAX,
                        "expected the atom count of a frame, found '" + Numbers.clip(lines[idx].strip()) + "'")));
                break; // the frame boundaries are lost; the frames before this one stand
            }
            try {
                out.add(ParseResult.of(frame(name, lines, idx, n)));
            } catch (StructureException e) {
                out.add(new ParseResult.Failed(e));
                if (n < 0 || idx + 2 + (long) n > lines.length) {
                    break;
                }
            }
            idx += 2 + Math.max(n, 0);
            frame++;
        }
        if (out.isEmpty()) {
            out.add(new ParseResult.Failed(new StructureException(source, 0, ErrorKind.EMPTY, "no frames")));
        }
        if (frame == 1 && out.size() == 1) {
            // a single-frame file: name the structure after the file alone
            ParseResult only = out.get(0);
            if (only instanceof ParseResult.Parsed p) {
                out.set(0, ParseResult.of(p.value().structure().withSource(source)));
            } else if (only instanceof ParseResult.Failed f) {
                StructureException e = f.error();
                out.set(0, new ParseResult.Failed(new StructureException(source, e.line(), e.kind(), e.reason())));
            }
        }
        return out;
    }

    private Structure frame(String src, String[] lines, int start, int n) throws StructureException {
        if (n < 0) {
            throw new StructureException(src, start + 1, ErrorKind.BAD_NUMBER, "negative atom count " + n);
        }
        if (n == 0) {
            throw new StructureException(src, start + 1, ErrorKind.NO_ATOMS, "the frame has 0 atoms");
        }
        validator.checkAtomCount(src, start + 1, n);
        if (start + 1 >= lines.length) {
            throw new StructureException(src, start + 2, ErrorKind.MISSING, "the comment line with Lattice= is missing");
        }
        int commentLine = start + 2;
        Map<String, String> kv = keyValues(src, commentLine, lines[start + 1]);
        String lat = kv.get("lattice");
        if (lat == null) {
            throw new StructureException(src, commentLine, ErrorKind.MISSING, "no Lattice= on the comment line; non-periodic XYZ is not supported");
        }
        String pbc = kv.get("pbc");
        if (pbc != null && !pbc.trim().matches("(?i)(T|True|1)\\s+(T|True|1)\\s+(T|True|1)")) {
            throw new StructureException(src, commentLine, ErrorKind.UNSUPPORTED, "pbc=\"" + pbc.trim() + "\": persite treats every structure as "
                    + "periodic along a, b and c, and a non-periodic axis is not supported; give a cell with enough vacuum along that axis "
                    + "and pbc=\"T T T\"");
        }
        String[] lt = lat.trim().split("\\s+");
        if (lt.length != 9) {
            throw new StructureException(src, commentLine, ErrorKind.BAD_CELL, "Lattice= must have 9 numbers (a, b, c vectors), found " + lt.length);
        }
        double[] m = new double[9];
        for (int k = 0; k < 9; k++) {
            m[k] = Numbers.parse(lt[k], src, commentLine, "Lattice number " + (k + 1));
        }
        Lattice lattice;
        try {
            lattice = Lattice.ofRows(m);
        } catch (IllegalArgumentException e) {
            throw new StructureException(src, commentLine, ErrorKind.BAD_CELL, e.getMessage());
        }
        String props = kv.getOrDefault("properties", "species:S:1:pos:R:3");
        String[] p = props.split(":");
        if (p.length % 3 != 0) {
            throw new StructureException(src, commentLine, ErrorKind.SYNTAX, "Properties= must be name:type:count triples, got '" + Numbers.clip(props) + "'");
        }
        int col = 0;
        int speciesCol = -1;
        int zCol = -1;
        int posCol = -1;
        for (int k = 0; k < p.length; k += 3) {
            int count;
            try {
                count = Integer.parseInt(p[k + 2]);
            } catch (NumberFormatException e) {
                throw new StructureException(src, commentLine, ErrorKind.SYNTAX, "bad column count in Properties=: '" + Numbers.clip(p[k + 2]) + "'");
            }
            String name = p[k].toLowerCase();
            if (name.equals("species") || name.equals("element")) {
                speciesCol = col;
            } else if (name.equals("z") && p[k + 1].equalsIgnoreCase("I")) {
                zCol = col;
            } else if (name.equals("pos") && count == 3) {
                posCol = col;
            }
            col += count;
        }
        if ((speciesCol < 0 && zCol < 0) || posCol < 0) {
            throw new StructureException(src, commentLine, ErrorKind.MISSING, "Properties= needs a species (or Z) column and pos:R:3, got '" + Numbers.clip(props) + "'");
        }
        int columns = col;
        int[] z = new int[n];
        double[] frac = new double[3 * n];
        for (int i = 0; i < n; i++) {
            int lineNo = start + 3 + i;
            if (start + 2 + i >= lines.length || lines[start + 2 + i].isBlank()) {
                throw new StructureException(src, lineNo, ErrorKind.SYNTAX, String.format("the frame promises %d atoms but has only %d", n, i));
            }
            String[] t = lines[start + 2 + i].trim().split("\\s+");
            if (t.length < columns) {
                throw new StructureException(src, lineNo, ErrorKind.SYNTAX, String.format("expected %d columns, found %d", columns, t.length));
            }
            if (speciesCol >= 0) {
                z[i] = Elements.parseLeadingSymbol(t[speciesCol]);
                if (z[i] > 0 && !Elements.symbol(z[i]).equalsIgnoreCase(t[speciesCol])) {
                    z[i] = -1; // species columns hold plain symbols; "Fe2" is not one
                }
                validator.checkElement(src, lineNo, z[i], t[speciesCol]);
            } else {
                try {
                    z[i] = Integer.parseInt(t[zCol]);
                } catch (NumberFormatException e) {
                    z[i] = -1;
                }
                if (z[i] < 1 || z[i] > Elements.MAX_Z) {
                    throw new StructureException(src, lineNo, ErrorKind.UNKNOWN_ELEMENT, "unknown atomic number '" + Numbers.clip(t[zCol]) + "'");
                }
                validator.checkElement(src, lineNo, z[i], t[zCol]);
            }
            double x = Numbers.parse(t[posCol], src, lineNo, "x");
            double y = Numbers.parse(t[posCol + 1], src, lineNo, "y");
            double w = Numbers.parse(t[posCol + 2], src, lineNo, "z");
            lattice.toFractional(x, y, w, frac, 3 * i);
        }
        return validator.validate(new Structure(src, lattice, z, frac, null), start + 1);
    }

    /** Parses {@code key=value key="quoted value"} pairs; keys are lower-cased. */
    static Map<String, String> keyValues(String src, int line, String s) throws StructureException {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            int ks = i;
            while (i < n && s.charAt(i) != '=' && !Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            String key = s.substring(ks, i).toLowerCase();
            if (i >= n || s.charAt(i) != '=') {
                out.put(key, "T"); // a bare key is a true flag
                continue;
            }
            i++;
            String value;
            if (i < n && (s.charAt(i) == '"' || s.charAt(i) == '\'')) {
                char q = s.charAt(i);
                int end = s.indexOf(q, i + 1);
                if (end < 0) {
                    throw new StructureException(src, line, ErrorKind.SYNTAX, "the value of " + key + "= has no closing quote");
                }
                value = s.substring(i + 1, end);
                i = end + 1;
            } else {
                int vs = i;
                while (i < n && !Character.isWhitespace(s.charAt(i))) {
                    i++;
                }
                value = s.substring(vs, i);
            }
            out.put(key, value);
        }
        return out;
    }
}
