package org.persite.structure;

import java.util.Objects;

/**
 * Checks a parsed structure against {@link StructureLimits}: atom count, element coverage, finite
 * coordinates and the minimum interatomic distance. The lattice is already checked when it is built.
 */
public final class StructureValidator {
    private final StructureLimits limits;
    private final OverlapFinder overlaps;

    public StructureValidator(StructureLimits limits, OverlapFinder overlaps) {
        this.limits = Objects.requireNonNull(limits);
        this.overlaps = Objects.requireNonNull(overlaps);
    }

    public StructureLimits limits() {
        return limits;
    }

    /**
     * Checks the atom count alone. Readers call this as soon as they know the count, before building
     * anything large.
     */
    public void checkAtomCount(String source, int line, int n) throws StructureException {
        if (n > limits.maxAtoms()) {
            throw new StructureException(source, line, ErrorKind.TOO_MANY_ATOMS, String.format(
                    "%d atoms is more than the limit of %d per structure (persite.structure.max-atoms)", n, limits.maxAtoms()));
        }
    }

    /** Checks an element against the element table's coverage. */
    public void checkElement(String source, int line, int z, String token) throws StructureException {
        if (z < 1) {
            throw new StructureException(source, line, ErrorKind.UNKNOWN_ELEMENT, "unknown element '" + token + "'");
        }
        if (z > limits.maxAtomicNumber()) {
            throw new StructureException(source, line, ErrorKind.UNKNOWN_ELEMENT, String.format(
                    "element %s (Z=%d) is not covered by the element table (Z <= %d)", Elements.symbol(z), z, limits.maxAtomicNumber()));
        }
    }

    /**
     * A validated structure from plain arrays (a JSON record, a gRPC request's explicit fields).
     *
     * @param lattice [9] rows a, b, c in Å
     * @param species [N] element symbols; a trailing oxidation state or label digits are ignored ("Fe3+", "Fe1")
     * @param frac [3N] fractional coordinates, row-major (site, axis)
     */
    public Structure fromArrays(String src, int line, double[] lattice, String[] species, double[] frac) throws StructureException {
        Lattice l;
        try {
            l = Lattice.ofRows(lattice);
        } catch (IllegalArgumentException e) {
            throw new StructureException(src, line, ErrorKind.BAD_CELL, e.getMessage());
        }
        int n = species.length;
        if (frac.length != 3 * n) {
            throw new StructureException(src, line, ErrorKind.SYNTAX, n + " species but " + frac.length + " fractional coordinates (expected 3 per site)");
        }
        if (n == 0) {
            throw new StructureException(src, line, ErrorKind.NO_ATOMS, "the structure has no atoms");
        }
        checkAtomCount(src, line, n);
        int[] z = new int[n];
        for (int i = 0; i < n; i++) {
            z[i] = Elements.parseLeadingSymbol(species[i].strip());
            checkElement(src, line, z[i], species[i]);
        }
        return validate(new Structure(src, l, z, frac.clone(), null), line);
    }

    /** Every check; the line is the one to blame when the structure as a whole is at fault (0 if none). */
    /** The farthest a fractional coordinate may lie from the origin, in cells (not a policy limit: beyond it a double loses the position). */
    static final double MAX_CELLS_FROM_ORIGIN = 1e6;
    /** The longest cell edge accepted, in Å (0.1 mm: not a policy limit, a bound on what is an atomistic cell). */
    static final double MAX_CELL_LENGTH = 1e6;

    public Structure validate(Structure s, int line) throws StructureException {
        String src = s.source();
        if (s.size() == 0) {
            throw new StructureException(src, line, ErrorKind.NO_ATOMS, "the structure has no atoms");
        }
        checkAtomCount(src, line, s.size());
        double[] len = s.lattice().lengths();
        for (int k = 0; k < 3; k++) {
            // found by fuzzing: a 3.5e17 Å cell edge passed, and the neighbour search's image offsets overflowed
            if (len[k] > MAX_CELL_LENGTH) {
                throw new StructureException(src, line, ErrorKind.BAD_CELL, String.format(java.util.Locale.ROOT,
                        "cell length %s = %.4g Å is longer than %.0e Å: not an atomistic cell", "abc".charAt(k), len[k], MAX_CELL_LENGTH));
            }
        }
        for (int i = 0; i < s.size(); i++) {
            checkElement(src, line, s.atomicNumber(i), s.species(i));
            for (int k = 0; k < 3; k++) {
                if (!Double.isFinite(s.frac(i, k))) {
                    throw new StructureException(src, line, ErrorKind.BAD_NUMBER, "site " + describe(s, i) + " has a non-finite coordinate");
                }
                // found by fuzzing: a coordinate like 4.5e16 is finite, but its place in the cell is lost to rounding and its
                // periodic image offsets overflow; within a million cells of the origin a double still places it to 1e-9
                if (Math.abs(s.frac(i, k)) > MAX_CELLS_FROM_ORIGIN) {
                    throw new StructureException(src, line, ErrorKind.BAD_NUMBER, String.format(java.util.Locale.ROOT,
                            "site %s has fractional coordinate %.6g, more than %.0e cells from the origin: its position in the cell is lost to "
                                    + "rounding", describe(s, i), s.frac(i, k), MAX_CELLS_FROM_ORIGIN));
                }
            }
        }
        if (limits.minDistance() > 0) {
            OverlapFinder.Overlap o;
            try {
                o = overlaps.find(s, limits.minDistance());
            } catch (IllegalArgumentException tooManyImages) {
                // found by fuzzing: a needle-thin or huge cell needs more periodic copies than the search allows
                throw new StructureException(src, line, ErrorKind.BAD_CELL, tooManyImages.getMessage());
            }
            if (o != null) {
                String what = o.i() == o.j()
                        ? "site " + describe(s, o.i()) + " is " + fmt(o.distance(), limits.minDistance()) + " Å from its own periodic image"
                        : "sites " + describe(s, o.i()) + " and " + describe(s, o.j()) + " are " + fmt(o.distance(), limits.minDistance()) + " Å apart";
                throw new StructureException(src, line, ErrorKind.OVERLAPPING_ATOMS,
                        what + ", closer than the minimum of " + limits.minDistance() + " Å (persite.structure.min-distance; compared within 1e-6 Å)");
            }
        }
        return s;
    }

    /** 4 decimals, or 9 when the distance is that close to the minimum, so the reason for a refusal shows. */
    private static String fmt(double d, double min) {
        return String.format(java.util.Locale.ROOT, Math.abs(d - min) < 5e-5 ? "%.9f" : "%.4f", d);
    }

    private static String describe(Structure s, int i) {
        String label = s.label(i);
        return (label != null ? label : s.species(i)) + " (#" + i + ")";
    }
}
