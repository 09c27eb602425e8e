package org.persite.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.persite.config.PersiteConfig;
import org.persite.graph.CellListOverlapFinder;
import org.persite.graph.ElementTable;
import org.persite.structure.Format;
import org.persite.structure.ParseResult;
import org.persite.structure.StructureLimits;
import org.persite.structure.StructureReader;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The input options that {@code parse} and {@code graph} share, and the loop over their structures. */
final class StructureInputs {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Structure files: CIF, POSCAR/CONTCAR, extended XYZ, JSON Lines (.jsonl, .jsonl.gz).")
    List<Path> files;

    @Option(names = "--format", defaultValue = "AUTO", description = "Input format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}, from the file name, then the content).")
    Format format;

    @Option(names = "--max-atoms", description = "Most atoms per structure (default: persite.structure.max-atoms).")
    Integer maxAtoms;

    @Option(names = "--json", description = "Print JSON Lines: one object per structure.")
    boolean json;

    /**
     * Reads every file and hands each structure's outcome to {@code sink}; failures are reported on
     * {@code err} as one line each and counted.
     *
     * @return the number of refused structures
     */
    int forEach(PrintWriter err, Consumer<ParseResult.Parsed> sink, Consumer<ParseResult.Failed> failed) {
        PersiteConfig config = PersiteConfig.load();
        StructureLimits limits = config.structureLimits(ElementTable.cgcnn());
        if (maxAtoms != null) {
            limits = limits.withMaxAtoms(maxAtoms);
        }
        StructureReader reader = new StructureReader(limits, CellListOverlapFinder.INSTANCE);
        int[] errors = {0};
        for (Path file : files) {
            reader.readFile(file, format, r -> {
                if (r instanceof ParseResult.Parsed p) {
                    sink.accept(p);
                } else if (r instanceof ParseResult.Failed f) {
                    errors[0]++;
                    err.println("error: " + f.error().getMessage());
                    err.flush();
                    failed.accept(f);
                }
            });
        }
        return errors[0];
    }
}
