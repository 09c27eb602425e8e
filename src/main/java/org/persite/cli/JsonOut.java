package org.persite.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import org.persite.structure.ParseResult;
import org.persite.structure.Structure;
import org.persite.structure.StructureException;

/** JSON Lines output of the CLI: one object per structure, written as it is ready. */
final class JsonOut {
    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonOut() {
    }

    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    /** Writes one object on its own line. */
    static void line(PrintWriter out, Body body) {
        try {
            JsonGenerator g = FACTORY.createGenerator(out);
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
            g.flush();
            out.println();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fields every structure object starts with: source, lattice, species, frac_coords. */
    static void structure(JsonGenerator g, Structure s) throws IOException {
        g.writeStringField("source", s.source());
        g.writeArrayFieldStart("lattice");
        for (int r = 0; r < 3; r++) {
            g.writeStartArray();
            for (int k = 0; k < 3; k++) {
                g.writeNumber(s.lattice().get(r, k));
            }
            g.writeEndArray();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("species");
        for (int i = 0; i < s.size(); i++) {
            g.writeString(s.species(i));
        }
        g.writeEndArray();
        g.writeArrayFieldStart("frac_coords");
        for (int i = 0; i < s.size(); i++) {
            g.writeStartArray();
            for (int k = 0; k < 3; k++) {
                g.writeNumber(s.frac(i, k));
            }
            g.writeEndArray();
        }
        g.writeEndArray();
    }

    /** {"source": ..., "error": {"line": n, "kind": "...", "reason": "..."}}. */
    static void error(PrintWriter out, ParseResult.Failed f) {
        StructureException e = f.error();
        line(out, g -> {
            g.writeStringField("source", e.source());
            g.writeObjectFieldStart("error");
            g.writeNumberField("line", e.line());
            g.writeStringField("kind", e.kind().name());
            g.writeStringField("reason", e.reason());
            g.writeEndObject();
        });
    }
}
