package org.persite.server;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.structure.Structure;

/**
 * Builds the crystal graphs of a request's structures with the model's featurizer. Stateless; a pool of them,
 * one per core by default, runs on {@link ServerSettings#GRAPH_DISPATCHER}.
 */
public final class GraphBuilderActor {

    /** The graph builder's protocol. */
    public sealed interface Command permits Build {
    }

    /**
     * Build one graph per structure with {@code builder} (the served model's featurizer settings).
     *
     * @param cancelled true once nobody waits for the answer; nothing is built then
     */
    public record Build(List<Structure> structures, CrystalGraphBuilder builder, BooleanSupplier cancelled, ActorRef<Built> replyTo)
            implements Command {
    }

    /** One structure's graph, or why none could be built. */
    public record Outcome(CrystalGraph graph, String error) {
    }

    /**
     * The outcomes, one per structure in order; empty when skipped.
     *
     * @param nanos time spent building
     */
    public record Built(List<Outcome> outcomes, boolean skipped, long nanos) {
    }

    private GraphBuilderActor() {
    }

    public static Behavior<Command> create() {
        return Behaviors.receive(Command.class)
                .onMessage(Build.class, b -> {
                    if (b.cancelled().getAsBoolean()) {
                        b.replyTo().tell(new Built(List.of(), true, 0));
                        return Behaviors.same();
                    }
                    long t0 = System.nanoTime();
                    List<Outcome> out = new ArrayList<>(b.structures().size());
                    for (Structure s : b.structures()) {
                        try {
                            out.add(new Outcome(b.builder().build(s), null));
                        } catch (RuntimeException e) { // a cell the featurizer cannot handle: this structure only
                            out.add(new Outcome(null, s.source() + ": cannot build the crystal graph: " + e.getMessage()));
                        }
                    }
                    b.replyTo().tell(new Built(out, false, System.nanoTime() - t0));
                    return Behaviors.same();
                })
                .build();
    }
}
