package org.persite.server;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.structure.ErrorKind;
import org.persite.structure.ParseResult;
import org.persite.structure.Structure;
import org.persite.structure.StructureException;
import org.persite.structure.StructureReader;
import org.persite.structure.StructureValidator;

/**
 * Reads one request's structures and builds their crystal graphs, in one step: stateless, thread-safe, and blocking
 * (CPU-bound), so {@link PredictionPipeline} runs it on the parse dispatcher ({@link ServerSettings#PARSE_DISPATCHER}).
 * A reader or featurizer defect costs its own structure only.
 */
public final class RequestPreparer {
    private final StructureReader reader;
    private final StructureValidator validator;

    public RequestPreparer(StructureReader reader, StructureValidator validator) {
        this.reader = reader;
        this.validator = validator;
    }

    /** One parsed structure's graph [n, M], or why none could be built. */
    public record Outcome(CrystalGraph graph, String error) {
    }

    /**
     * A request read and its graphs built.
     *
     * @param results every structure of the input in order, parsed or failed
     * @param structures the parsed ones, in order
     * @param outcomes one per parsed structure
     * @param skipped true when nothing was done because the caller had gone
     */
    public record Prepared(List<ParseResult> results, List<Structure> structures, List<Outcome> outcomes, boolean skipped, long parseNanos,
            long graphNanos, long parseCpuNanos, long graphCpuNanos) {
        static final Prepared SKIPPED = new Prepared(List.of(), List.of(), List.of(), true, 0, 0, 0, 0);
    }

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    /** Reads {@code input} and builds each structure's graph with {@code builder} (the served model's featurizer). */
    public Prepared prepare(StructureInput input, CrystalGraphBuilder builder, BooleanSupplier gone) {
        if (gone.getAsBoolean()) {
            return Prepared.SKIPPED;
        }
        long t0 = System.nanoTime();
        long c0 = THREADS.getCurrentThreadCpuTime();
        List<ParseResult> results = read(input);
        long t1 = System.nanoTime();
        long c1 = THREADS.getCurrentThreadCpuTime();
        List<Structure> structures = new ArrayList<>(results.size());
        for (ParseResult r : results) {
            if (r instanceof ParseResult.Parsed p) {
                structures.add(p.value().structure());
            }
        }
        if (!structures.isEmpty() && gone.getAsBoolean()) {
            return Prepared.SKIPPED;
        }
        List<Outcome> outcomes = new ArrayList<>(structures.size());
        for (Structure s : structures) {
            try {
                outcomes.add(new Outcome(builder.build(s), null));
            } catch (RuntimeException e) { // a cell the featurizer cannot handle: this structure only
                outcomes.add(new Outcome(null, s.source() + ": cannot build the crystal graph: " + e.getMessage()));
            }
        }
        return new Prepared(results, structures, outcomes, false, t1 - t0, System.nanoTime() - t1, c1 - c0, THREADS.getCurrentThreadCpuTime() - c1);
    }

    List<ParseResult> read(StructureInput input) {
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
