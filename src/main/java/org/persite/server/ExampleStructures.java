package org.persite.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.persite.structure.Format;
import org.persite.structure.ParseResult;
import org.persite.structure.Structure;
import org.persite.structure.StructureReader;

/** The shipped example structures (data/examples, copied onto the classpath): the gate's smoke test. */
final class ExampleStructures {
    static final List<String> FILES = List.of("NaCl-cod-1000041.cif", "MnNiO2-triclinic.cif", "POSCAR-KCl-cod-1000050", "CsCl-cod-9009743.extxyz");

    private ExampleStructures() {
    }

    static List<Structure> load(StructureReader reader) {
        List<Structure> out = new ArrayList<>();
        for (String f : FILES) {
            try (InputStream in = ExampleStructures.class.getResourceAsStream("examples/" + f)) {
                if (in == null) {
                    throw new IllegalStateException("example structure " + f + " is missing from the classpath");
                }
                for (ParseResult r : reader.read(f, Format.AUTO, in.readAllBytes())) {
                    if (r instanceof ParseResult.Parsed p) {
                        out.add(p.value().structure());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return List.copyOf(out);
    }
}
