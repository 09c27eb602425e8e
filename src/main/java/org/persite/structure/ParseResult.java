package org.persite.structure;

/**
 * One structure's outcome when reading an input that may hold several (CIF data blocks, XYZ frames, JSON
 * lines): either the structure or its error. A bad structure never hides the good ones next to it.
 */
public sealed interface ParseResult permits ParseResult.Parsed, ParseResult.Failed {

    /**
     * A structure that was read and passed validation.
     *
     * @param warnings what the reader had to assume to read it (a space group built from its symbol, a '.' read as
     *     0, species taken from a comment line), one line each; empty when nothing was assumed
     */
    record Parsed(LabeledStructure value, java.util.List<String> warnings) implements ParseResult {
        public Parsed {
            warnings = java.util.List.copyOf(warnings);
        }

        /** A structure read without assumptions. */
        public Parsed(LabeledStructure value) {
            this(value, java.util.List.of());
        }
    }

    /** A structure that could not be read or was rejected. */
    record Failed(StructureException error) implements ParseResult {
    }

    static ParseResult of(Structure s) {
        return new Parsed(LabeledStructure.unlabeled(s));
    }

    static ParseResult of(Structure s, java.util.List<String> warnings) {
        return new Parsed(LabeledStructure.unlabeled(s), warnings);
    }
}
