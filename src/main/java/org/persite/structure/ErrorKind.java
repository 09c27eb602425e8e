package org.persite.structure;

/** What kind of problem made a structure unreadable or unacceptable. */
public enum ErrorKind {
    /** The input has no content at all. */
    EMPTY,
    /** The bytes are not text (NUL or other control characters). */
    BINARY,
    /** The text does not follow the format's syntax (unterminated quote, missing value, bad token). */
    SYNTAX,
    /** A required item (cell length, coordinates, species line) is missing. */
    MISSING,
    /** A number is malformed or not finite. */
    BAD_NUMBER,
    /** An element symbol is not a known element, or not covered by the element table. */
    UNKNOWN_ELEMENT,
    /** A site is partially occupied; disordered structures are not supported. */
    DISORDER,
    /** The cell is degenerate: non-positive lengths, zero volume, impossible angles. */
    BAD_CELL,
    /** No atoms. */
    NO_ATOMS,
    /** More atoms than the configured limit. */
    TOO_MANY_ATOMS,
    /** Two atoms (or an atom and its own periodic image) are closer than the configured minimum distance. */
    OVERLAPPING_ATOMS,
    /** The input is larger than the configured byte limit. */
    TOO_LARGE,
    /** Something the format allows but persite does not support (for example a CIF without symmetry operations). */
    UNSUPPORTED,
    /** With persite.structure.strict (--strict): the reader would have had to assume something to read it (its warning). */
    ASSUMPTION,
    /**
     * A defect in persite's reader, not in the input. The input is reported as failed rather than taking the
     * stream down; please report it with the input attached.
     */
    INTERNAL
}
