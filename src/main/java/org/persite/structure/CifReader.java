package org.persite.structure;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads CIF 1.1 text: data blocks, loops, quoted values, {@code ;} text fields and numbers with standard
 * uncertainties. Each data block gives one structure, expanded to P1 with the block's symmetry operations
 * ({@code _symmetry_equiv_pos_as_xyz} or {@code _space_group_symop_operation_xyz}); images of one site that
 * land within the merge tolerance of each other are one site. Species come from
 * {@code _atom_site_type_symbol} ("Na1+" is Na) or, when that column is absent, from the site label.
 * A partially occupied site is refused as disorder. Coordinates written as 0.3333 or 0.6667 are read as
 * exactly 1/3 and 2/3.
 */
final class CifReader {
    private final StructureValidator validator;

    CifReader(StructureValidator validator) {
        this.validator = validator;
    }

    // ---------------------------------------------------------------- tokens and blocks

    private enum Kind { DATA, LOOP, TAG, VALUE, SAVE, END }

    private record Token(Kind kind, String text, int line, boolean quoted) {
        Token(Kind kind, String text, int line) {
            this(kind, text, line, false);
        }
    }

    private record Value(String text, int line, boolean quoted) {
        boolean missing() {
            return !quoted && (text.equals("?") || text.equals("."));
        }
    }

    private record Loop(List<String> tags, List<Value> values, int line) {
        int column(String tag) {
            return tags.indexOf(tag);
        }

        int rows() {
            return values.size() / tags.size();
        }

        Value get(int row, int col) {
            return values.get(row * tags.size() + col);
        }
    }

    private static final class Block {
        final String name;
        final int line;
        final Map<String, Value> items = new HashMap<>();
        final List<Loop> loops = new ArrayList<>();
        /** What the tokenizer accepted beyond CIF 1.1 in this block, as warnings. */
        final List<String> notes = new ArrayList<>();
        StructureException syntaxError;

        Block(String name, int line) {
            this.name = name;
            this.line = line;
        }

        Loop loopWith(String tag) {
            for (Loop l : loops) {
                if (l.tags.contains(tag)) {
                    return l;
                }
            }
            return null;
        }
    }

    /** A character scanner that yields CIF tokens with their 1-based line numbers. */
    private static final class Tokenizer {
        private final String s;
        private final String source;
        private int pos;
        private int line = 1;
        /** Leniencies since the last drain (see {@link #drainNotes}). */
        private final List<String> notes = new ArrayList<>();

        List<String> drainNotes() {
            List<String> out = new ArrayList<>(notes);
            notes.clear();
            return out;
        }

        Tokenizer(String text, String source) {
            this.s = text;
            this.source = source;
        }

        Token next() throws StructureException {
            int n = s.length();
            while (pos < n) {
                char c = s.charAt(pos);
                if (c == '\n') {
                    line++;
                    pos++;
                } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
                    pos++;
                } else if (c == '#') {
                    while (pos < n && s.charAt(pos) != '\n') {
                        pos++;
                    }
                } else {
                    break;
                }
            }
            if (pos >= n) {
                return new Token(Kind.END, "", line);
            }
            char c = s.charAt(pos);
            int startLine = line;
            boolean lineStart = pos == 0 || s.charAt(pos - 1) == '\n';
            if (c == ';' && lineStart) {
                int end = s.indexOf("\n;", pos);
                if (end < 0) {
                    throw new StructureException(source, startLine, ErrorKind.SYNTAX,
                            "text field opened with ';' is never closed (the file may be truncated)");
                }
                String body = s.substring(pos + 1, end);
                line += count(body, '\n') + 1;
                pos = end + 2;
                return new Token(Kind.VALUE, body.strip(), startLine, true);
            }
            if (c == '\'' || c == '"') {
                int i = pos + 1;
                int extraLines = 0;
                while (true) {
                    if (i >= n) {
                        throw new StructureException(source, startLine, ErrorKind.SYNTAX,
                                "quoted value starting with " + c + " is not closed on its line");
                    }
                    if (s.charAt(i) == '\n') {
                        // not CIF 1.1, but Crystallographica writes it: a quote that closes on a later line, before the next
                        // tag, loop or block, is one value
                        int next = i + 1;
                        while (next < n && (s.charAt(next) == ' ' || s.charAt(next) == '\t')) {
                            next++;
                        }
                        String rest = s.substring(next, Math.min(n, next + 5)).toLowerCase(java.util.Locale.ROOT);
                        if (extraLines >= 20 || next >= n || s.charAt(next) == '_' || rest.startsWith("loop_") || rest.startsWith("data_")
                                || s.indexOf(c, next) < 0) {
                            throw new StructureException(source, startLine, ErrorKind.SYNTAX,
                                    "quoted value starting with " + c + " is not closed on its line");
                        }
                        extraLines++;
                    }
                    if (s.charAt(i) == c && (i + 1 >= n || Character.isWhitespace(s.charAt(i + 1)))) {
                        break;
                    }
                    i++;
                }
                String v = s.substring(pos + 1, i);
                if (extraLines > 0) {
                    v = v.replaceAll("\\s*\\n\\s*", " ");
                    notes.add(source + ":" + startLine + ": a quoted value runs over " + (extraLines + 1)
                            + " lines (not valid CIF 1.1); read as one value");
                    line += extraLines;
                }
                pos = i + 1;
                return new Token(Kind.VALUE, v, startLine, true);
            }
            int start = pos;
            while (pos < n && !Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
            String word = s.substring(start, pos);
            String lower = word.toLowerCase(Locale.ROOT);
            if (lower.startsWith("data_")) {
                return new Token(Kind.DATA, word.substring(5), startLine);
            }
            if (lower.equals("loop_")) {
                return new Token(Kind.LOOP, word, startLine);
            }
            if (lower.startsWith("save_")) {
                return new Token(Kind.SAVE, word, startLine);
            }
            if (lower.equals("global_") || lower.equals("stop_")) {
                return next();
            }
            if (c == '_') {
                return new Token(Kind.TAG, lower.replace('.', '_'), startLine);
            }
            return new Token(Kind.VALUE, word, startLine);
        }

        private static int count(String t, char ch) {
            int k = 0;
            for (int i = 0; i < t.length(); i++) {
                if (t.charAt(i) == ch) {
                    k++;
                }
            }
            return k;
        }
    }

    /**
     * Splits text into data blocks. A syntax error ends the reading; it is kept on the block where it
     * happened, and the blocks read before it stay good.
     */
    private static List<Block> blocks(String source, String text) {
        List<Block> blocks = new ArrayList<>();
        Tokenizer tz = new Tokenizer(text, source);
        Block block = null;
        try {
            Token tok = tz.next();
            while (tok.kind != Kind.END) {
                if (block != null) {
                    block.notes.addAll(tz.drainNotes());
                }
                switch (tok.kind) {
                    case DATA -> {
                        block = new Block(tok.text, tok.line);
                        blocks.add(block);
                        tok = tz.next();
                    }
                    case SAVE -> tok = tz.next(); // save frames (dictionaries) carry no structure; their items are read into the block
                    case TAG -> {
                        if (block == null) {
                            throw new StructureException(source, tok.line, ErrorKind.SYNTAX, "item " + tok.text + " appears before any data_ block");
                        }
                        Token value = tz.next();
                        if (value.kind == Kind.END && (block.loopWith("_atom_site_fract_x") != null || block.loopWith("_atom_site_cartn_x") != null)) {
                            // a last item without a value after the atom sites (some programs end with a bare _eof): pymatgen ignores it
                            block.notes.add(source + ":" + tok.line + ": item " + tok.text + " at the end of the file has no value; ignored");
                            tok = value;
                            continue;
                        }
                        if (value.kind != Kind.VALUE) {
                            throw new StructureException(source, tok.line, ErrorKind.SYNTAX,
                                    "item " + tok.text + " has no value" + (value.kind == Kind.END ? " (the file ends here; is it truncated?)" : ""));
                        }
                        block.items.put(tok.text, new Value(value.text, value.line, value.quoted));
                        tok = tz.next();
                    }
                    case LOOP -> {
                        if (block == null) {
                            throw new StructureException(source, tok.line, ErrorKind.SYNTAX, "loop_ appears before any data_ block");
                        }
                        int loopLine = tok.line;
                        List<String> tags = new ArrayList<>();
                        tok = tz.next();
                        while (tok.kind == Kind.TAG) {
                            tags.add(tok.text);
                            tok = tz.next();
                        }
                        if (tags.isEmpty()) {
                            throw new StructureException(source, loopLine, ErrorKind.SYNTAX, "loop_ has no tags");
                        }
                        List<Value> values = new ArrayList<>();
                        while (tok.kind == Kind.VALUE) {
                            values.add(new Value(tok.text, tok.line, tok.quoted));
                            tok = tz.next();
                        }
                        if (values.size() % tags.size() != 0) {
                            throw new StructureException(source, loopLine, ErrorKind.SYNTAX, String.format(
                                    "loop of %s has %d values, which is not a multiple of its %d tags (a row is incomplete)",
                                    tags.get(0), values.size(), tags.size()));
                        }
                        block.loops.add(new Loop(tags, values, loopLine));
                    }
                    case VALUE -> throw new StructureException(source, tok.line, ErrorKind.SYNTAX,
                            "value '" + Numbers.clip(tok.text) + "' has no item tag before it");
                    default -> throw new IllegalStateException(tok.kind.toString());
                }
            }
        } catch (StructureException e) {
            if (block == null) {
                block = new Block("", e.line());
                blocks.add(block);
            }
            block.syntaxError = e;
        }
        return blocks;
    }

    // ---------------------------------------------------------------- structures

    List<ParseResult> read(String source, String text) {
        List<Block> blocks = blocks(source, text);
        List<ParseResult> out = new ArrayList<>(blocks.size());
        if (blocks.isEmpty()) {
            out.add(new ParseResult.Failed(new StructureException(source, 0, ErrorKind.MISSING, "no data_ block: this is not a CIF file")));
            return out;
        }
        for (Block b : blocks) {
            String name = blocks.size() == 1 ? source : source + "#" + b.name;
            if (b.syntaxError != null) {
                StructureException e = b.syntaxError;
                out.add(new ParseResult.Failed(new StructureException(name, e.line(), e.kind(), e.reason())));
                continue;
            }
            try {
                List<String> warnings = new ArrayList<>(b.notes);
                out.add(ParseResult.of(structure(name, b, warnings), warnings));
            } catch (StructureException e) {
                out.add(new ParseResult.Failed(e));
            }
        }
        return out;
    }

    private Structure structure(String src, Block b, List<String> warnings) throws StructureException {
        Lattice lattice = lattice(src, b);
        List<SymmetryOperation> ops = operations(src, b, warnings);

        Loop atoms = b.loopWith("_atom_site_fract_x");
        boolean cartesian = atoms == null && b.loopWith("_atom_site_cartn_x") != null;
        if (cartesian) {
            atoms = b.loopWith("_atom_site_cartn_x");
        }
        if (atoms == null) {
            throw new StructureException(src, b.line, ErrorKind.NO_ATOMS, "no atom sites: the block has no _atom_site_fract_x (or _atom_site_Cartn_x) loop");
        }
        String axisTag = cartesian ? "_atom_site_cartn_" : "_atom_site_fract_";
        int cx = atoms.column(axisTag + "x");
        int cy = atoms.column(axisTag + "y");
        int cz = atoms.column(axisTag + "z");
        if (cy < 0 || cz < 0) {
            throw new StructureException(src, atoms.line, ErrorKind.MISSING, "the atom site loop lacks " + axisTag + (cy < 0 ? "y" : "z"));
        }
        double[] toFractional = null;
        if (cartesian) {
            double[][] given = cartesianFrame(src, b);
            toFractional = given != null ? invert(src, b.line, given) : cifDefaultFrameInverse(src, b);
            warnings.add(src + ":" + atoms.line + ": the sites are Cartesian (_atom_site_Cartn_x/y/z); converted to fractional with "
                    + (given != null ? "the file's _atom_sites_Cartn_tran_matrix"
                            : "the cell, in the CIF dictionary's default frame (a along x, b in the xy plane)"));
        }
        int cType = atoms.column("_atom_site_type_symbol");
        int cLabel = atoms.column("_atom_site_label");
        int cOcc = atoms.column("_atom_site_occupancy");
        if (cType < 0 && cLabel < 0) {
            throw new StructureException(src, atoms.line, ErrorKind.MISSING, "the atom site loop has neither _atom_site_type_symbol nor _atom_site_label");
        }
        int rows = atoms.rows();
        if (rows == 0) {
            throw new StructureException(src, atoms.line, ErrorKind.NO_ATOMS, "the atom site loop has no rows");
        }
        validator.checkAtomCount(src, atoms.line, rows);

        int capacity = Math.min(rows * ops.size(), validator.limits().maxAtoms() + 1);
        int[] z = new int[capacity];
        double[] frac = new double[3 * capacity];
        String[] labels = new String[capacity];
        int n = 0;
        double[] p = new double[3];
        double tol = validator.limits().mergeTolerance();
        double tol2 = tol * tol;
        double[] d = new double[3];
        double[] c = new double[3];
        for (int row = 0; row < rows; row++) {
            int line = atoms.get(row, 0).line;
            String label = cLabel >= 0 ? atoms.get(row, cLabel).text : null;
            int element = element(src, line, cType >= 0 ? atoms.get(row, cType) : null, label);
            if (cOcc >= 0 && !atoms.get(row, cOcc).missing()) {
                double occ = Numbers.parse(atoms.get(row, cOcc).text, src, line, "_atom_site_occupancy");
                if (occ < 1 - 1e-3) {
                    throw new StructureException(src, line, ErrorKind.DISORDER, String.format(
                            "site %s has occupancy %s: disordered (partially occupied) sites are not supported",
                            label != null ? label : Elements.symbol(element), atoms.get(row, cOcc).text));
                }
            }
            double x = coordinate(src, atoms.get(row, cx), axisTag + "x", label, warnings);
            double y = coordinate(src, atoms.get(row, cy), axisTag + "y", label, warnings);
            double zc = coordinate(src, atoms.get(row, cz), axisTag + "z", label, warnings);
            if (toFractional != null) {
                double[] m = toFractional;
                double fx = x * m[0] + y * m[3] + zc * m[6];
                double fy = x * m[1] + y * m[4] + zc * m[7];
                double fz = x * m[2] + y * m[5] + zc * m[8];
                x = snapThirds(fx);
                y = snapThirds(fy);
                zc = snapThirds(fz);
            }
            int orbitStart = n;
            for (SymmetryOperation op : ops) {
                op.apply(x, y, zc, p);
                for (int k = 0; k < 3; k++) {
                    p[k] -= Math.floor(p[k]);
                    if (p[k] >= 1.0) {
                        p[k] = 0.0;
                    }
                }
                boolean duplicate = false;
                for (int j = orbitStart; j < n && !duplicate; j++) {
                    for (int k = 0; k < 3; k++) {
                        double dk = p[k] - frac[3 * j + k];
                        d[k] = dk - Math.rint(dk);
                    }
                    lattice.toCartesian(d[0], d[1], d[2], c, 0);
                    duplicate = c[0] * c[0] + c[1] * c[1] + c[2] * c[2] <= tol2;
                }
                if (duplicate) {
                    continue;
                }
                if (n == capacity) {
                    validator.checkAtomCount(src, atoms.line, n + 1 + (rows - row - 1));
                }
                z[n] = element;
                frac[3 * n] = p[0];
                frac[3 * n + 1] = p[1];
                frac[3 * n + 2] = p[2];
                labels[n] = label;
                n++;
            }
        }
        validator.checkAtomCount(src, atoms.line, n);
        boolean anyLabel = cLabel >= 0;
        Structure s = new Structure(src, lattice, Arrays.copyOf(z, n), Arrays.copyOf(frac, 3 * n),
                anyLabel ? Arrays.copyOf(labels, n) : null);
        return validator.validate(s, atoms.line);
    }

    private int element(String src, int line, Value type, String label) throws StructureException {
        if (type != null && !type.missing()) {
            int z = Elements.parseLeadingSymbol(type.text);
            validator.checkElement(src, line, z, type.text);
            return z;
        }
        if (label == null) {
            throw new StructureException(src, line, ErrorKind.MISSING, "site has no type symbol and no label to take the element from");
        }
        int z = Elements.parseLeadingSymbol(label);
        validator.checkElement(src, line, z, label);
        return z;
    }

    private static double coordinate(String src, Value v, String tag, String label, List<String> warnings) throws StructureException {
        if (!v.quoted && v.text.equals(".")) { // ICSD writes '.' for a coordinate of 0, as pymatgen reads it
            warnings.add(src + ":" + v.line + ": " + tag + " of site " + (label == null ? "?" : label) + " is '.', read as 0");
            return 0;
        }
        if (v.missing()) {
            throw new StructureException(src, v.line, ErrorKind.MISSING, tag + " is unknown ('" + v.text + "')");
        }
        return snapThirds(Numbers.parse(v.text, src, v.line, tag));
    }

    /**
     * The file's own fractional → Cartesian matrix, {@code _atom_sites_Cartn_tran_matrix_11} to {@code _33} (the CIF
     * core dictionary: x_c = M · x_f, column vectors), as lattice rows [a; b; c] (= M transposed); null when the file
     * gives none. All nine elements or none: a partial matrix is refused.
     */
    private static double[][] cartesianFrame(String src, Block b) throws StructureException {
        double[][] rows = new double[3][3];
        int given = 0;
        int line = b.line;
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                String tag = "_atom_sites_cartn_tran_matrix_" + (i + 1) + (j + 1);
                Value v = b.items.get(tag);
                if (v != null && !v.missing()) {
                    rows[j][i] = Numbers.parse(v.text, src, v.line, tag);
                    given++;
                    line = v.line;
                }
            }
        }
        if (given == 0) {
            return null;
        }
        if (given < 9) {
            throw new StructureException(src, line, ErrorKind.MISSING, "_atom_sites_Cartn_tran_matrix gives " + given
                    + " of its 9 elements (_11 to _33): all are needed to convert the Cartesian sites");
        }
        return rows;
    }

    /** The inverse of lattice rows, [3][3] row-major, as {@link #cifDefaultFrameInverse} returns it; a singular matrix is refused. */
    private static double[] invert(String src, int line, double[][] rows) throws StructureException {
        double det = rows[0][0] * (rows[1][1] * rows[2][2] - rows[1][2] * rows[2][1]) - rows[0][1] * (rows[1][0] * rows[2][2] - rows[1][2] * rows[2][0])
                + rows[0][2] * (rows[1][0] * rows[2][1] - rows[1][1] * rows[2][0]);
        if (!(Math.abs(det) > 1e-6)) {
            throw new StructureException(src, line, ErrorKind.BAD_CELL, "_atom_sites_Cartn_tran_matrix is singular (determinant " + det + ")");
        }
        double[] inv = new double[9];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                int i1 = (j + 1) % 3;
                int i2 = (j + 2) % 3;
                int j1 = (i + 1) % 3;
                int j2 = (i + 2) % 3;
                inv[3 * i + j] = (rows[i1][j1] * rows[i2][j2] - rows[i1][j2] * rows[i2][j1]) / det;
            }
        }
        return inv;
    }

    /**
     * Cartesian (Å) → fractional, [3][3] row-major as x_f = x_c · M: the inverse of the CIF core dictionary's
     * default orthogonalisation (a along x, b in the xy plane, c completing a right-handed set).
     */
    private static double[] cifDefaultFrameInverse(String src, Block b) throws StructureException {
        double[] p = cellParameters(src, b); // a, b, c, alpha, beta, gamma (degrees)
        double ca = Math.cos(Math.toRadians(p[3]));
        double cb = Math.cos(Math.toRadians(p[4]));
        double cg = Math.cos(Math.toRadians(p[5]));
        double sg = Math.sin(Math.toRadians(p[5]));
        double v = Math.sqrt(Math.max(0, 1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg));
        double[][] rows = {{p[0], 0, 0}, {p[1] * cg, p[1] * sg, 0}, {p[2] * cb, p[2] * (ca - cb * cg) / sg, p[2] * v / sg}};
        return invert(src, b.line, rows);
    }

    /**
     * CIFs write 1/3 and 2/3 as 0.3333 and 0.6667; read within a relative 1e-4 of them, they are taken as
     * exact, as pymatgen does, so that their symmetry images coincide instead of landing 1e-4 Å apart.
     */
    static double snapThirds(double x) {
        for (double third : THIRDS) {
            if (Math.abs(1 - x / third) < 1e-4) {
                return third;
            }
        }
        return x;
    }

    private static final double[] THIRDS = {1.0 / 3.0, 2.0 / 3.0, -1.0 / 3.0, -2.0 / 3.0};

    private static final String[] CELL = {
        "_cell_length_a", "_cell_length_b", "_cell_length_c", "_cell_angle_alpha", "_cell_angle_beta", "_cell_angle_gamma"
    };

    private static Lattice lattice(String src, Block b) throws StructureException {
        double[] p = cellParameters(src, b);
        try {
            return Lattice.fromParameters(p[0], p[1], p[2], p[3], p[4], p[5]);
        } catch (IllegalArgumentException e) {
            int lastLine = b.line;
            for (String tag : CELL) {
                lastLine = Math.max(lastLine, b.items.get(tag).line);
            }
            throw new StructureException(src, lastLine, ErrorKind.BAD_CELL, e.getMessage());
        }
    }

    /** a, b, c (Å), alpha, beta, gamma (degrees), each checked. */
    private static double[] cellParameters(String src, Block b) throws StructureException {
        double[] p = new double[6];
        int lastLine = b.line;
        for (int k = 0; k < 6; k++) {
            Value v = b.items.get(CELL[k]);
            if (v == null || v.missing()) {
                throw new StructureException(src, v == null ? b.line : v.line, ErrorKind.MISSING, "missing " + CELL[k]);
            }
            p[k] = Numbers.parse(v.text, src, v.line, CELL[k]);
            if (k < 3 && p[k] <= 0) {
                throw new StructureException(src, v.line, ErrorKind.BAD_CELL, CELL[k] + " must be positive, got " + v.text);
            }
            if (k >= 3 && (p[k] <= 0 || p[k] >= 180)) {
                throw new StructureException(src, v.line, ErrorKind.BAD_CELL,
                        CELL[k] + " must lie strictly between 0 and 180 degrees, got " + v.text + " (zero-volume cell)");
            }
            lastLine = Math.max(lastLine, v.line);
        }
        return p;
    }

    private static final String[] OPERATION_TAGS = {
        "_space_group_symop_operation_xyz", "_symmetry_equiv_pos_as_xyz"
    };

    private static final String[] HALL_TAGS = {"_space_group_name_hall", "_symmetry_space_group_name_hall"};
    private static final String[] HM_TAGS = {"_space_group_name_h-m_alt", "_symmetry_space_group_name_h-m"};
    private static final String[] NUMBER_TAGS = {"_space_group_it_number", "_symmetry_int_tables_number"};

    private static Value first(Block b, String[] tags) {
        for (String t : tags) {
            Value v = b.items.get(t);
            if (v != null && !v.missing() && !v.text.isBlank()) {
                return v;
            }
        }
        return null;
    }

    /**
     * The block's symmetry operations: its explicit list; else built from its Hall symbol, Hermann–Mauguin symbol or
     * International Tables number (in that order), with a warning; else the identity when it names no group or P1.
     * When a list and a symbol disagree the list wins, as in pymatgen, with a warning.
     */
    private static List<SymmetryOperation> operations(String src, Block b, List<String> warnings) throws StructureException {
        List<SymmetryOperation> ops = new ArrayList<>();
        int listLine = 0;
        for (String tag : OPERATION_TAGS) {
            Loop loop = b.loopWith(tag);
            if (loop != null) {
                int col = loop.column(tag);
                for (int row = 0; row < loop.rows(); row++) {
                    ops.add(operation(src, loop.get(row, col)));
                }
                listLine = loop.line;
                break;
            }
            Value single = b.items.get(tag);
            if (single != null) {
                ops.add(operation(src, single));
                listLine = single.line;
                break;
            }
        }
        Value hall = first(b, HALL_TAGS);
        Value hm = first(b, HM_TAGS);
        Value number = first(b, NUMBER_TAGS);
        SpaceGroups.Setting named = null;
        Value namedBy = null;
        String tried = null;
        if (hall != null) {
            named = SpaceGroups.byHall(hall.text);
            namedBy = hall;
            tried = "Hall symbol '" + hall.text + "'";
        }
        if (named == null && hm != null) {
            named = SpaceGroups.byHermannMauguin(hm.text);
            namedBy = hm;
            tried = tried == null ? "space group '" + hm.text + "'" : tried + " and space group '" + hm.text + "'";
        }
        if (named == null && number != null) {
            try {
                named = SpaceGroups.byNumber(Integer.parseInt(number.text.trim()));
                namedBy = number;
            } catch (NumberFormatException e) {
                // an unreadable number names nothing
            }
            tried = tried == null ? "space group number '" + number.text + "'" : tried + " and number '" + number.text + "'";
        }
        if (!ops.isEmpty()) {
            if (named != null && !sameGroup(ops, HallSymbol.operations(named.hall()))) {
                warnings.add(src + ":" + listLine + ": the " + ops.size() + " listed symmetry operations differ from those of " + named.describe()
                        + " (" + HallSymbol.operations(named.hall()).size() + " operations), named at line " + namedBy.line + "; the list is used");
            }
            return ops;
        }
        if (named != null) {
            List<HallSymbol.Operation> built = HallSymbol.operations(named.hall());
            if (named.number() != 1) {
                warnings.add(src + ":" + namedBy.line + ": no symmetry operations are listed; the " + built.size() + " operations of "
                        + named.describe() + " were built from the " + (namedBy == hall ? "Hall symbol" : namedBy == hm ? "Hermann-Mauguin symbol"
                        : "International Tables number"));
            }
            List<SymmetryOperation> out = new ArrayList<>(built.size());
            for (HallSymbol.Operation o : built) {
                out.add(SymmetryOperation.parse(o.xyz()));
            }
            return out;
        }
        if (tried == null || (hm != null && hm.text.replace(" ", "").equalsIgnoreCase("P1"))) {
            return List.of(SymmetryOperation.IDENTITY);
        }
        Value where = hall != null ? hall : hm != null ? hm : number;
        throw new StructureException(src, where.line, ErrorKind.UNSUPPORTED, tried
                + " is not a space group persite knows, and no symmetry operations are listed (_symmetry_equiv_pos_as_xyz or "
                + "_space_group_symop_operation_xyz)");
    }

    /** Whether two operation lists are the same set (translations modulo 1). */
    private static boolean sameGroup(List<SymmetryOperation> listed, List<HallSymbol.Operation> built) {
        if (listed.size() != built.size()) {
            return false;
        }
        java.util.Set<String> a = new java.util.HashSet<>();
        for (SymmetryOperation o : listed) {
            a.add(o.canonical());
        }
        for (HallSymbol.Operation o : built) {
            if (!a.contains(SymmetryOperation.parse(o.xyz()).canonical())) {
                return false;
            }
        }
        return true;
    }

    private static SymmetryOperation operation(String src, Value v) throws StructureException {
        try {
            return SymmetryOperation.parse(v.text);
        } catch (IllegalArgumentException e) {
            throw new StructureException(src, v.line, ErrorKind.SYNTAX, e.getMessage());
        }
    }
}
