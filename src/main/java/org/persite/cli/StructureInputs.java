package org.persite.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.persite.config.PersiteConfig;
import org.persite.graph.CellListOverlapFinder;
import org.persite.graph.ElementTable;
import org.persite.structure.Format;
import org.persite.structure.ErrorKind;
import org.persite.structure.ParseResult;
import org.persite.structure.StructureException;
import org.persite.structure.Structure;
import org.persite.structure.StructureLimits;
import org.persite.structure.StructureReader;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The input options that {@code parse} and {@code graph} share, and the loop over their structures. */
final class StructureInputs {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Structure files: CIF, POSCAR/CONTCAR, extended XYZ, JSON Lines (.jsonl, .jsonl.gz).")
    List<Path> files;

    @Option(names = {"--input-format", "--format"}, defaultValue = "AUTO", description = {"Input format: ${COMPLETION-CANDIDATES}, any case (default: "
            + "${DEFAULT-VALUE}, from the file name, then the content).", "--format is a deprecated alias, kept for old scripts."})
    Format format;

    @Option(names = "--max-atoms", description = "Most atoms per structure (default: persite.structure.max-atoms).")
    Integer maxAtoms;

    @Option(names = "--json", description = "Print JSON Lines: one object per structure.")
    boolean json;

    @Option(names = "--strict", description = "Refuse a structure the reader could read only by assuming something (default: a warning line).")
    boolean strict;

    /**
     * Reads every file and prints each structure with {@code print}, in input order. A refused structure is
     * a line on standard error and, with --json, an error object on standard output; the rest go on.
     *
     * @return the exit code: 0 when every structure was read, 1 when some were refused
     */
    int printEach(CommandSpec spec, BiConsumer<PrintWriter, Structure> print) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int[] failedToPrint = {0};
        int errors = forEach(err, p -> {
            Structure s = p.value().structure();
            try {
                print.accept(out, s);
            } catch (IllegalArgumentException e) { // a structure the graph cannot be built for, with these options
                failedToPrint[0]++;
                StructureException ex = new StructureException(s.source(), 0, ErrorKind.UNSUPPORTED, e.getMessage());
                err.println("error: " + ex.getMessage());
                if (json) {
                    JsonOut.error(out, new ParseResult.Failed(ex));
                }
            }
        }, f -> {
            if (json) {
                JsonOut.error(out, f);
            }
        });
        out.flush();
        return errors + failedToPrint[0] == 0 ? 0 : 1;
    }

    private int forEach(PrintWriter err, Consumer<ParseResult.Parsed> sink, Consumer<ParseResult.Failed> failed) {
        PersiteConfig config = PersiteConfig.load();
        StructureLimits limits = config.structureLimits(ElementTable.cgcnn());
        if (maxAtoms != null) {
            limits = limits.withMaxAtoms(maxAtoms);
        }
        if (strict) {
            limits = limits.withStrict(true);
        }
        StructureReader reader = new StructureReader(limits, CellListOverlapFinder.INSTANCE);
        int[] errors = {0};
        for (Path file : files) {
            reader.readFile(file, format, r -> {
                if (r instanceof ParseResult.Parsed p) {
                    p.warnings().forEach(w -> err.println("warning: " + w));
                    err.flush();
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
