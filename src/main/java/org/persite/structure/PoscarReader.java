package org.persite.structure;

import java.util.List;

/**
 * Reads a VASP POSCAR or CONTCAR (VASP 5 layout): comment, scale (a negative scale is a target volume in
 * Å³), three lattice vectors, the species line, the counts line, an optional "Selective dynamics" line,
 * "Direct" or "Cartesian", then one line of coordinates per atom (trailing flags and labels are ignored).
 * VASP 4 files, which have no species line, are refused because the elements cannot be known.
 */
final class PoscarReader {
    private final StructureValidator validator;

    PoscarReader(StructureValidator validator) {
        this.validator = validator;
    }

    List<ParseResult> read(String source, String text) {
        try {
            return List.of(ParseResult.of(structure(source, text)));
        } catch (StructureException e) {
            return List.of(new ParseResult.Failed(e));
        }
    }

    private Structure structure(String src, String text) throws StructureException {
        String[] lines = text.split("\r?\n", -1);
        // line numbers below are 1-based: lines[k] is line k+1
        String[] scaleTok = fields(src, lines, 1, 1);
        double scale = Numbers.parse(scaleTok[0], src, 2, "scale factor");
        if (scale == 0) {
            throw new StructureException(src, 2, ErrorKind.BAD_CELL, "scale factor is 0");
        }
        double[] m = new double[9];
        for (int r = 0; r < 3; r++) {
            String[] t = fields(src, lines, 2 + r, 3);
            for (int k = 0; k < 3; k++) {
                m[3 * r + k] = Numbers.parse(t[k], src, 3 + r, "lattice vector " + "abc".charAt(r));
            }
        }
        Lattice unscaled = lattice(src, m, 3);
        double factor = scale > 0 ? scale : Math.cbrt(-scale / unscaled.volume());
        for (int k = 0; k < 9; k++) {
            m[k] *= factor;
        }
        Lattice lattice = lattice(src, m, 2);

        String[] speciesTok = fields(src, lines, 5, 1);
        if (isInteger(speciesTok[0])) {
            throw new StructureException(src, 6, ErrorKind.MISSING, "expected the element symbols (VASP 5 species line), found counts '"
                    + Numbers.clip(lines[5].strip()) + "'; VASP 4 files without a species line are not supported");
        }
        int[] elements = new int[speciesTok.length];
        for (int k = 0; k < speciesTok.length; k++) {
            String sym = speciesTok[k].split("[_/]", 2)[0]; // "Fe_pv", "Fe/3f8a..." name a potential of Fe
            int z = Elements.atomicNumber(sym.length() > 1 ? sym.substring(0, 1).toUpperCase() + sym.substring(1).toLowerCase() : sym.toUpperCase());
            validator.checkElement(src, 6, z, speciesTok[k]);
            elements[k] = z;
        }
        String[] countTok = fields(src, lines, 6, 1);
        if (countTok.length != elements.length) {
            throw new StructureException(src, 7, ErrorKind.SYNTAX, String.format(
                    "%d species on line 6 but %d counts on line 7", elements.length, countTok.length));
        }
        int[] counts = new int[countTok.length];
        long total = 0;
        for (int k = 0; k < counts.length; k++) {
            try {
                counts[k] = Integer.parseInt(countTok[k]);
            } catch (NumberFormatException e) {
                throw new StructureException(src, 7, ErrorKind.BAD_NUMBER, "atom count is not an integer: '" + Numbers.clip(countTok[k]) + "'");
            }
            if (counts[k] < 0) {
                throw new StructureException(src, 7, ErrorKind.BAD_NUMBER, "atom count is negative: " + counts[k]);
            }
            total += counts[k];
        }
        if (total == 0) {
            throw new StructureException(src, 7, ErrorKind.NO_ATOMS, "the counts add up to 0 atoms");
        }
        validator.checkAtomCount(src, 7, (int) Math.min(total, Integer.MAX_VALUE));
        int n = (int) total;

        int idx = 7;
        String mode = idx < lines.length ? lines[idx].strip() : "";
        if (!mode.isEmpty() && (mode.charAt(0) == 'S' || mode.charAt(0) == 's')) {
            idx++;
            mode = idx < lines.length ? lines[idx].strip() : "";
        }
        if (mode.isEmpty()) {
            throw new StructureException(src, idx + 1, ErrorKind.MISSING, "expected 'Direct' or 'Cartesian' (the file may be truncated)");
        }
        char mc = Character.toUpperCase(mode.charAt(0));
        boolean cartesian = mc == 'C' || mc == 'K';
        idx++;

        int[] z = new int[n];
        double[] frac = new double[3 * n];
        int site = 0;
        for (int k = 0; k < counts.length; k++) {
            for (int c = 0; c < counts[k]; c++, site++) {
                int lineNo = idx + site + 1;
                if (idx + site >= lines.length || lines[idx + site].isBlank()) {
                    throw new StructureException(src, lineNo, ErrorKind.SYNTAX, String.format(
                            "the counts promise %d atoms but the coordinates stop after %d", n, site));
                }
                String[] t = lines[idx + site].trim().split("\\s+");
                if (t.length < 3) {
                    throw new StructureException(src, lineNo, ErrorKind.SYNTAX, "expected 3 coordinates, found '" + Numbers.clip(lines[idx + site].strip()) + "'");
                }
                double x = Numbers.parse(t[0], src, lineNo, "coordinate");
                double y = Numbers.parse(t[1], src, lineNo, "coordinate");
                double w = Numbers.parse(t[2], src, lineNo, "coordinate");
                if (cartesian) {
                    lattice.toFractional(x * factor, y * factor, w * factor, frac, 3 * site);
                } else {
                    frac[3 * site] = x;
                    frac[3 * site + 1] = y;
                    frac[3 * site + 2] = w;
                }
                z[site] = elements[k];
            }
        }
        return validator.validate(new Structure(src, lattice, z, frac, null), 0);
    }

    private static Lattice lattice(String src, double[] m, int line) throws StructureException {
        try {
            return Lattice.ofRows(m);
        } catch (IllegalArgumentException e) {
            throw new StructureException(src, line, ErrorKind.BAD_CELL, e.getMessage());
        }
    }

    private static String[] fields(String src, String[] lines, int index, int atLeast) throws StructureException {
        if (index >= lines.length || lines[index].isBlank()) {
            throw new StructureException(src, index + 1, index == 1 && lines.length <= 1 && lines[0].isBlank() ? ErrorKind.EMPTY : ErrorKind.MISSING,
                    "line " + (index + 1) + " is missing or blank (expected " + WHAT[Math.min(index, WHAT.length - 1)] + ")");
        }
        String[] t = lines[index].trim().split("\\s+");
        if (t.length < atLeast) {
            throw new StructureException(src, index + 1, ErrorKind.SYNTAX, "expected " + atLeast + " fields, found '" + Numbers.clip(lines[index].strip()) + "'");
        }
        return t;
    }

    private static final String[] WHAT = {
        "a comment", "the scale factor", "lattice vector a", "lattice vector b", "lattice vector c", "the element symbols", "the atom counts"
    };

    private static boolean isInteger(String t) {
        return !t.isEmpty() && t.chars().allMatch(Character::isDigit);
    }
}
