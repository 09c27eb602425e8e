package org.persite.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.persite.config.PersiteConfig;
import org.persite.graph.CellListOverlapFinder;
import org.persite.graph.ElementTable;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.ModelLoadException;
import org.persite.structure.StructureReader;
import org.persite.train.EnsembleJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code persite ensemble --member DIR --member DIR ... --data FILE --out models/NAME}: one model of several seeds. */
@Command(name = "ensemble", mixinStandardHelpOptions = true,
        header = "Join models trained on one split into an ensemble with a per-site σ.",
        description = {"Join models trained on the same split (train them with the same --split-seed and different --seed) into one",
            "ensemble version: it predicts the members' mean and, as the per-site uncertainty, their standard deviation.",
            "Evaluates it on the shared test split (ensemble and member MAE, calibration of the uncertainty) and writes",
            "OUT/<next version>/ with its card and report."})
final class EnsembleCommand implements Callable<Integer> {

    @Option(names = "--member", required = true, description = "A member model version (or model folder: its newest version); give 2 or more.")
    List<Path> members;

    @Option(names = "--data", required = true, description = "The dataset the members were trained on (JSON Lines, or a folder with targets.csv).")
    Path data;

    @Option(names = "--out", required = true, description = "Model folder, e.g. models/magmom; the ensemble goes in OUT/<n>/.")
    Path out;

    @Option(names = "--name", description = "Model name (default: the folder name of --out).")
    String name;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<LoadedModel> loaded = new ArrayList<>();
        try {
            for (Path m : members) {
                loaded.add(ModelDirectory.load(ModelDirectory.resolve(m)));
            }
        } catch (ModelLoadException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return 1;
        }
        PersiteConfig config = PersiteConfig.load();
        ElementTable table = ElementTable.cgcnn();
        StructureReader reader = new StructureReader(config.structureLimits(table), CellListOverlapFinder.INSTANCE);
        String command = "persite ensemble " + members.stream().map(m -> "--member " + m).collect(Collectors.joining(" ")) + " --data " + data
                + " --out " + out + (name != null ? " --name " + name : "");
        org.persite.train.TrustHeadSettings trustHead = config.trustHeadSettings();
        EnsembleJob.Outcome r;
        try {
            r = EnsembleJob.build(loaded, data, out, name != null ? name : out.getFileName().toString(), command, trustHead, reader, table);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return 1;
        }
        o.print(r.report());
        o.printf(Locale.ROOT, "wrote %s%n", r.model().directory());
        o.flush();
        return 0;
    }
}
