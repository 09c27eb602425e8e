package org.persite.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.persite.config.PersiteConfig;
import org.persite.graph.CellListOverlapFinder;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.ElementTable;
import org.persite.inference.BatcherSettings;
import org.persite.inference.EngineSettings;
import org.persite.inference.InferenceException;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.inference.PaddedBatch;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.ModelLoadException;
import org.persite.model.PropertySpec;
import org.persite.structure.Format;
import org.persite.structure.ParseResult;
import org.persite.structure.Structure;
import org.persite.structure.StructureLimits;
import org.persite.structure.StructureReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code persite predict --model DIR FILE...}: per-site predictions in-process, as CSV. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Predict every site of every structure with a model directory, in this process (no server).",
            "Prints CSV: a header 'structure,site,element,<property> (<unit>)...,model' then one row per site.",
            "Refused structures go to standard error as 'error: SOURCE:LINE: REASON'; the others are still predicted."})
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR", description = {"A model version (models/magmom/1) or a model folder (models/magmom: its newest version).",
        "Default: persite.models.directory / persite.models.default (models/magmom)."})
    Path model;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Structure files: CIF, POSCAR/CONTCAR, extended XYZ, JSON Lines.")
    List<Path> files;

    @Option(names = "--format", defaultValue = "AUTO", description = "Input format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PersiteConfig config = PersiteConfig.load();
        LoadedModel loaded;
        try {
            Path dir = model != null ? model
                    : Path.of(config.section().getString("models.directory")).resolve(config.section().getString("models.default"));
            loaded = ModelDirectory.load(ModelDirectory.resolve(dir));
        } catch (ModelLoadException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return 1;
        }
        BatcherSettings batching = BatcherSettings.fromConfig(config.section().getConfig("inference"));
        EngineSettings engineSettings = EngineSettings.fromConfig(config.section().getConfig("inference"));
        ElementTable table = ElementTable.cgcnn();
        StructureLimits limits = config.structureLimits(table);
        StructureReader reader = new StructureReader(limits, CellListOverlapFinder.INSTANCE);
        CrystalGraphBuilder builder = new CrystalGraphBuilder(loaded.spec().featurizer());
        List<PropertySpec> props = loaded.spec().properties();
        StringBuilder header = new StringBuilder("structure,site,element");
        for (PropertySpec p : props) {
            header.append(',').append(csv(p.name() + " (" + p.unit() + ")"));
        }
        header.append(",model");
        out.println(header);
        String version = loaded.spec().name() + "/" + loaded.spec().version();
        int errors = 0;
        try (OnnxInferenceEngine engine = OnnxInferenceEngine.open(loaded, engineSettings.device(), engineSettings.requireGpu(),
                engineSettings.intraOpThreads())) {
            List<Structure> pending = new ArrayList<>();
            List<CrystalGraph> graphs = new ArrayList<>();
            int[] pendingAtoms = {0};
            for (Path file : files) {
                for (ParseResult r : reader.readFile(file, format)) {
                    if (r instanceof ParseResult.Failed f) {
                        errors++;
                        err.println("error: " + f.error().getMessage());
                        continue;
                    }
                    Structure s = ((ParseResult.Parsed) r).value().structure();
                    CrystalGraph g = builder.build(s);
                    if (!graphs.isEmpty() && pendingAtoms[0] + g.numSites() > batching.maxBatchAtoms()) {
                        flush(engine, batching, pending, graphs, out, version);
                        pendingAtoms[0] = 0;
                    }
                    pending.add(s);
                    graphs.add(g);
                    pendingAtoms[0] += g.numSites();
                }
            }
            if (!graphs.isEmpty()) {
                flush(engine, batching, pending, graphs, out, version);
            }
        } catch (InferenceException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            out.flush();
            return 1;
        }
        out.flush();
        err.flush();
        return errors == 0 ? 0 : 1;
    }

    private static void flush(OnnxInferenceEngine engine, BatcherSettings batching, List<Structure> structures, List<CrystalGraph> graphs,
            PrintWriter out, String version) throws InferenceException {
        PaddedBatch batch = PaddedBatch.pack(graphs, batching.buckets());
        float[] values = engine.run(batch);
        int p = engine.properties();
        for (int k = 0; k < structures.size(); k++) {
            Structure s = structures.get(k);
            float[] v = batch.split(values, p, k);
            for (int i = 0; i < s.size(); i++) {
                StringBuilder row = new StringBuilder(csv(s.source())).append(',').append(i).append(',').append(s.species(i));
                for (int q = 0; q < p; q++) {
                    row.append(',').append(String.format(Locale.ROOT, "%.6g", v[i * p + q]));
                }
                row.append(',').append(version);
                out.println(row);
            }
        }
        out.flush();
        structures.clear();
        graphs.clear();
    }

    /** A CSV field, quoted when it holds a comma, quote or newline. */
    static String csv(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
