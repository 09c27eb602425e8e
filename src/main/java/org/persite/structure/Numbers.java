package org.persite.structure;

/** Parsing of numbers as crystallographic files write them. */
final class Numbers {
    private Numbers() {
    }

    /**
     * Parses a finite decimal number, dropping a standard uncertainty in brackets ("5.62(3)" is 5.62).
     *
     * @param what what the number is, for the error message ("_cell_length_a")
     */
    static double parse(String token, String source, int line, String what) throws StructureException {
        String t = token;
        int bracket = t.indexOf('(');
        if (bracket > 0 && t.endsWith(")")) {
            t = t.substring(0, bracket);
        }
        double v;
        try {
            v = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new StructureException(source, line, ErrorKind.BAD_NUMBER, what + " is not a number: '" + clip(token) + "'");
        }
        if (!Double.isFinite(v) || t.indexOf('x') >= 0 || t.indexOf('X') >= 0) {
            // parseDouble also takes "NaN", "Infinity" and hex floats; none of them belong in a structure file
            throw new StructureException(source, line, ErrorKind.BAD_NUMBER, what + " is not a finite number: '" + clip(token) + "'");
        }
        return v;
    }

    /** A token cut to a length fit for a one-line message. */
    static String clip(String token) {
        String t = token.replaceAll("\\p{Cntrl}", "?");
        return t.length() <= 40 ? t : t.substring(0, 37) + "...";
    }
}
