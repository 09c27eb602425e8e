package org.persite.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.persite.structure.Structure;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code persite parse FILE... [--json]}: each structure in P1, or its error. */
@Command(name = "parse", mixinStandardHelpOptions = true,
        header = "Print each structure in P1, or its error.",
        description = {"Print each structure in P1 (lattice, species, fractional coordinates), or its error.",
            "Errors go to standard error as 'error: SOURCE:LINE: REASON'; with --json they are also objects with an \"error\" field."})
final class ParseCommand implements Callable<Integer> {
    @Mixin
    StructureInputs inputs;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return inputs.printEach(spec, (out, s) -> {
            if (inputs.json) {
                JsonOut.line(out, g -> JsonOut.structure(g, s));
            } else {
                printText(out, s);
            }
        });
    }

    static void printText(PrintWriter out, Structure s) {
        out.printf("%s  %s  %d sites  volume %.4f Å^3%n", s.source(), s.formula(), s.size(), s.lattice().volume());
        out.println("lattice (Å, rows a b c):");
        for (int r = 0; r < 3; r++) {
            out.printf("  %14.8f %14.8f %14.8f%n", s.lattice().get(r, 0), s.lattice().get(r, 1), s.lattice().get(r, 2));
        }
        out.println("  site species        frac_a        frac_b        frac_c  label");
        for (int i = 0; i < s.size(); i++) {
            out.printf("%6d %-7s %13.8f %13.8f %13.8f  %s%n", i, s.species(i), s.frac(i, 0), s.frac(i, 1), s.frac(i, 2),
                    s.label(i) == null ? "" : s.label(i));
        }
        out.println();
    }
}
