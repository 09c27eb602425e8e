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
            List<String> warnings = new java.util.ArrayList<>();
            return List.of(ParseResult.of(structure(source, text, warnings), warnings));
        } catch (StructureException e) {
            return List.of(new ParseResult.Failed(e));
        }
    }

    private Structure structure(String src, String text, List<String> warnings) throws StructureException {
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
        int countsIndex = 6; // lines[6] = line 7
        if (isInteger(speciesTok[0])) {
            // VASP 4: no species line; many tools write the species in the comment line ("Fe O" or "Fe2 O3")
            String[] fromComment = speciesFromComment(lines[0], speciesTok.length);
            if (fromComment == null) {
                throw new StructureException(src, 6, ErrorKind.MISSING, "expected the element symbols (VASP 5 species line), found counts '"
                        + Numbers.clip(lines[5].strip()) + "', and the comment line '" + Numbers.clip(lines[0].strip()) + "' does not name "
                        + speciesTok.length + " element" + (speciesTok.length == 1 ? "" : "s") + " to take them from (a VASP 4 file)");
            }
            warnings.add(src + ":1: a VASP 4 POSCAR without a species line: the species " + String.join(" ", fromComment)
                    + " were read from the comment line");
            speciesTok = fromComment;
            countsIndex = 5;
        }
        int speciesLine = countsIndex == 6 ? 6 : 1;
        int[] elements = new int[speciesTok.length];
        for (int k = 0; k < speciesTok.length; k++) {
            String sym = speciesTok[k].split("[_/]", 2)[0]; // "Fe_pv", "Fe/3f8a..." name a potential of Fe
            int z = Elements.atomicNumber(sym.length() > 1 ? sym.substring(0, 1).toUpperCase() + sym.substring(1).toLowerCase() : sym.toUpperCase());
            validator.checkElement(src, speciesLine, z, speciesTok[k]);
            elements[k] = z;
        }
        int countLine = countsIndex + 1;
        String[] countTok = fields(src, lines, countsIndex, 1);
        if (countTok.length != elements.length) {
            throw new StructureException(src, countLine, ErrorKind.SYNTAX, String.format(
                    "%d species on line %d but %d counts on line %d", elements.length, speciesLine, countTok.length, countLine));
        }
        int[] counts = new int[countTok.length];
        long total = 0;
        for (int k = 0; k < counts.length; k++) {
            try {
                counts[k] = Integer.parseInt(countTok[k]);
            } catch (NumberFormatException e) {
                throw new StructureException(src, countLine, ErrorKind.BAD_NUMBER, "atom count is not an integer: '" + Numbers.clip(countTok[k]) + "'");
            }
            if (counts[k] < 0) {
                throw new StructureException(src, countLine, ErrorKind.BAD_NUMBER, "atom count is negative: " + counts[k]);
            }
            total += counts[k];
        }
        if (total == 0) {
            throw new StructureException(src, countLine, ErrorKind.NO_ATOMS, "the counts add up to 0 atoms");
        }
        validator.checkAtomCount(src, countLine, (int) Math.min(total, Integer.MAX_VALUE));
        int n = (int) total;

        int idx = countsIndex + 1;
        String mode = idx < lines.length ? lines[idx].strip() : "";
        boolean selective = false;
        if (!mode.isEmpty() && (mode.charAt(0) == 'S' || mode.charAt(0) == 's')) {
            selective = true;
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
                if (selective && t.length > 3 && t.length < 6 && t[3].matches("(?i)[TF].*")) {
                    throw new StructureException(src, lineNo, ErrorKind.SYNTAX, String.format(
                            "selective dynamics: expected 3 flags (T or F) after the coordinates, found %d in '%s'", t.length - 3,
                            Numbers.clip(lines[idx + site].strip())));
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

    /**
     * The species named in a VASP 4 comment line: exactly {@code count} leading tokens that are each an element
     * symbol, optionally followed by a count ("Fe2 O3", "Li Co O"); null when the line is not such a list.
     */
    static String[] speciesFromComment(String comment, int count) {
        String[] t = comment.trim().split("\\s+");
        if (t.length < count) {
            return null;
        }
        String[] out = new String[count];
        for (int k = 0; k < count; k++) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("([A-Z][a-z]?)\\d*(\\.\\d+)?").matcher(t[k]);
            if (!m.matches() || Elements.atomicNumber(m.group(1)) < 1) {
                return null;
            }
            out[k] = m.group(1);
        }
        return out;
    }

    private static boolean isInteger(String t) {
        return !t.isEmpty() && t.chars().allMatch(Character::isDigit);
    }
}
