package org.persite.server;

import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.persite.structure.ErrorKind;
import org.persite.structure.ParseResult;
import org.persite.structure.StructureException;
import org.persite.structure.StructureReader;
import org.persite.structure.StructureValidator;

/**
 * Reads and validates the structures of one request. Stateless; a pool of them runs on
 * {@link ServerSettings#PARSE_DISPATCHER}, so parsing never blocks the default dispatcher. A reader defect
 * costs its input only (the reader reports it as an INTERNAL error); it never stops the actor.
 */
public final class ParserActor {

    /** The parser's protocol. */
    public sealed interface Command permits Parse {
    }

    /**
     * Read {@code input}.
     *
     * @param cancelled true once nobody waits for the answer; the input is then skipped
     */
    public record Parse(StructureInput input, BooleanSupplier cancelled, ActorRef<Parsed> replyTo) implements Command {
    }

    /**
     * The structures of one input, in input order, each parsed or failed.
     *
     * @param skipped true when the input was not read because its caller had cancelled
     * @param nanos time spent reading
     */
    public record Parsed(List<ParseResult> results, boolean skipped, long nanos) {
    }

    private ParserActor() {
    }

    public static Behavior<Command> create(StructureReader reader, StructureValidator validator) {
        return Behaviors.receive(Command.class)
                .onMessage(Parse.class, p -> {
                    if (p.cancelled().getAsBoolean()) {
                        p.replyTo().tell(new Parsed(List.of(), true, 0));
                        return Behaviors.same();
                    }
                    long t0 = System.nanoTime();
                    List<ParseResult> results = read(reader, validator, p.input());
                    p.replyTo().tell(new Parsed(results, false, System.nanoTime() - t0));
                    return Behaviors.same();
                })
                .build();
    }

    static List<ParseResult> read(StructureReader reader, StructureValidator validator, StructureInput input) {
        if (input instanceof StructureInput.Text t) {
            return reader.read(t.name(), t.format(), t.content());
        }
        StructureInput.Explicit e = (StructureInput.Explicit) input;
        try {
            return List.of(ParseResult.of(validator.fromArrays(e.name(), 0, e.lattice(), e.species(), e.frac())));
        } catch (StructureException ex) {
            return List.of(new ParseResult.Failed(ex));
        } catch (RuntimeException ex) {
            return List.of(new ParseResult.Failed(new StructureException(e.name(), 0, ErrorKind.INTERNAL,
                    "internal error (" + ex.getClass().getSimpleName() + ": " + ex.getMessage() + "); please report this input")));
        }
    }
}
