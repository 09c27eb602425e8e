package org.persite.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.persite.config.PersiteConfig;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.ElementTable;
import org.persite.graph.FeaturizerSettings;
import org.persite.structure.Structure;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code persite graph FILE... [--cutoff 8] [--max-neighbors 12] [--json]}: every site's neighbours. */
@Command(name = "graph", mixinStandardHelpOptions = true,
        header = "Print every site's M nearest periodic neighbours within the cutoff.",
        description = {"Print, for every site, its M nearest periodic neighbours within the cutoff:",
            "index, distance (Å), image offset (i j k) and mask. Masked slots (fewer than M neighbours) show mask 0.",
            "--json prints one object per structure: {source, lattice, species, frac_coords,",
            "sites: [{neighbors: [{index, distance, image: [i,j,k]}], count_within_cutoff}]} (masked slots left out)."})
final class GraphCommand implements Callable<Integer> {
    @Mixin
    StructureInputs inputs;

    @Option(names = "--cutoff", description = "Cutoff radius r in Å (default: persite.graph.cutoff = 8).")
    Double cutoff;

    @Option(names = "--max-neighbors", description = "Neighbour slots M per site (default: persite.graph.max-neighbors = 12).")
    Integer maxNeighbors;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        FeaturizerSettings settings = PersiteConfig.load().featurizerSettings(ElementTable.cgcnn());
        CrystalGraphBuilder builder;
        try {
            builder = new CrystalGraphBuilder(cutoff != null ? cutoff : settings.cutoff(),
                    maxNeighbors != null ? maxNeighbors : settings.maxNeighbors());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return inputs.printEach(spec, (out, s) -> {
            CrystalGraph g = builder.build(s);
            if (inputs.json) {
                printJson(out, s, g);
            } else {
                printText(out, s, g);
            }
        });
    }

    private static void printJson(PrintWriter out, Structure s, CrystalGraph graph) {
        JsonOut.line(out, g -> {
            JsonOut.structure(g, s);
            g.writeNumberField("cutoff", graph.cutoff());
            g.writeNumberField("max_neighbors", graph.maxNeighbors());
            g.writeArrayFieldStart("sites");
            for (int i = 0; i < graph.numSites(); i++) {
                g.writeStartObject();
                g.writeArrayFieldStart("neighbors");
                for (int k = 0; k < graph.neighborCount(i); k++) {
                    g.writeStartObject();
                    g.writeNumberField("index", graph.neighborIndex(i, k));
                    g.writeNumberField("distance", graph.neighborDistance(i, k));
                    g.writeArrayFieldStart("image");
                    for (int a = 0; a < 3; a++) {
                        g.writeNumber(graph.neighborImage(i, k, a));
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeNumberField("count_within_cutoff", graph.countWithinCutoff(i));
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    private static void printText(PrintWriter out, Structure s, CrystalGraph g) {
        out.printf("%s  %s  %d sites  cutoff %.3f Å  M %d%n", s.source(), s.formula(), s.size(), g.cutoff(), g.maxNeighbors());
        for (int i = 0; i < g.numSites(); i++) {
            out.printf("site %d %s  (%d within cutoff)%n", i, s.species(i), g.countWithinCutoff(i));
            for (int k = 0; k < g.maxNeighbors(); k++) {
                out.printf("  %3d  index %5d  %-2s  d %10.6f  image %3d %3d %3d  mask %d%n", k, g.neighborIndex(i, k),
                        s.species(g.neighborIndex(i, k)), g.neighborDistance(i, k), g.neighborImage(i, k, 0),
                        g.neighborImage(i, k, 1), g.neighborImage(i, k, 2), g.isNeighbor(i, k) ? 1 : 0);
            }
        }
        out.println();
    }
}
