package org.persite.structure;

/**
 * One structure's outcome when reading an input that may hold several (CIF data blocks, XYZ frames, JSON
 * lines): either the structure or its error. A bad structure never hides the good ones next to it.
 */
public sealed interface ParseResult permits ParseResult.Parsed, ParseResult.Failed {

    /** A structure that was read and passed validation. */
    record Parsed(LabeledStructure value) implements ParseResult {
    }

    /** A structure that could not be read or was rejected. */
    record Failed(StructureException error) implements ParseResult {
    }

    static ParseResult of(Structure s) {
        return new Parsed(LabeledStructure.unlabeled(s));
    }
}
