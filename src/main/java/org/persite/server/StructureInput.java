package org.persite.server;

import org.persite.structure.Format;

/** What a request asks to predict, once taken out of its protobuf message. */
public sealed interface StructureInput permits StructureInput.Text, StructureInput.Explicit {

    /** A name for error messages and results. */
    String name();

    /** A structure file's content (one or more structures). */
    record Text(String name, Format format, byte[] content) implements StructureInput {
    }

    /**
     * One structure given field by field.
     *
     * @param lattice [9] rows a, b, c in Å
     * @param species [N] element symbols
     * @param frac [3N] fractional coordinates, row-major (site, axis)
     */
    record Explicit(String name, double[] lattice, String[] species, double[] frac) implements StructureInput {
    }
}
