package org.persite.cli;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.persite.config.PersiteConfig;
import org.persite.graph.CellListOverlapFinder;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.ElementTable;
import org.persite.inference.BatcherSettings;
import org.persite.inference.EngineSettings;
import org.persite.inference.InferenceException;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.inference.SiteOutputs;
import org.persite.local.LocalPredictor;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.ModelLoadException;
import org.persite.model.PropertySpec;
import org.persite.structure.Format;
import org.persite.structure.Structure;
import org.persite.structure.StructureReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code persite predict FILE...|DIR}: per-site predictions, in this process or streamed to a server. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        header = "Predict every site of every structure, in-process or through a server.",
        description = {"Predict every site of every structure, in this process (default) or by streaming to a persite server (--server).",
            "Writes one row per site: structure, site, element, one value per property, model version (CSV with a header, or JSON Lines).",
            "Refused structures go to standard error as 'error: SOURCE:LINE: REASON' and into the summary; the others are still predicted.",
            "Exit code 0 when every structure was predicted, 1 when some were refused."})
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "MODEL", description = {
        "A model name (magmom: under persite.models.directory, its recorded or newest version), or in-process also a",
        "model folder (models/magmom) or a version (models/magmom/1). Default: persite.models.default (magmom)."})
    String model;

    @Option(names = "--max-atoms", paramLabel = "N", description = {"In-process: most atoms per structure (default: persite.structure.max-atoms).",
        "With --server the server's own limit applies."})
    Integer maxAtoms;

    @Parameters(arity = "1..*", paramLabel = "FILE|DIR", description = {"Structure files (CIF, POSCAR/CONTCAR, extended XYZ, JSON Lines, .gz)",
        "or folders, whose files are read in name order (not recursively)."})
    List<Path> inputs;

    @Option(names = "--input-format", defaultValue = "AUTO", description = "Input format: ${COMPLETION-CANDIDATES}, any case (default: ${DEFAULT-VALUE}).")
    Format inputFormat;

    @Option(names = "--server", paramLabel = "HOST:PORT", description = "Stream the structures to this persite server over gRPC (PredictStream).")
    String server;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the rows to this file instead of standard output.")
    Path out;

    @Option(names = {"--output-format", "--format"}, defaultValue = "csv", description = {"Output format: ${COMPLETION-CANDIDATES}, any case (default: "
            + "${DEFAULT-VALUE}).", "--format is a deprecated alias, kept for old scripts."})
    SiteRowWriter.Style style;

    @Option(names = "--strict", description = "In-process: refuse a structure the reader could read only by assuming something (default: a warning line).")
    boolean strict;

    @Option(names = "--total-charge", defaultValue = "0", description = {"For a charge model (conserved sum): the net charge, in e, every",
        "structure's site charges sum to (default: ${DEFAULT-VALUE}, neutral cells)."})
    double totalCharge;

    @Option(names = "--timeout-ms", defaultValue = "0", description = "With --server: per-structure time limit in ms (0 = none).")
    int timeoutMs;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        List<Path> files;
        try {
            files = expand(inputs, err);
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return 1;
        }
        PrintWriter rowsOut = out == null ? spec.commandLine().getOut()
                : new PrintWriter(new OutputStreamWriter(Files.newOutputStream(out), StandardCharsets.UTF_8));
        try {
            SiteRowWriter rows = new SiteRowWriter(rowsOut, style);
            Progress progress = new Progress(err, System.console() != null);
            if (System.console() != null) {
                progress.expect(expectedStructures(files));
            }
            int code;
            if (server != null) {
                RemotePredictor remote;
                try {
                    remote = new RemotePredictor(server, model, inputFormat, timeoutMs).withTotalCharge(totalCharge);
                } catch (IllegalArgumentException e) {
                    err.println("error: --server: " + e.getMessage());
                    err.flush();
                    return 2;
                }
                code = remote.run(files, rows, err, progress);
            } else {
                code = inProcess(files, rows, err, progress);
            }
            rows.finish();
            progress.summary();
            err.flush();
            return code;
        } finally {
            if (out != null) {
                rowsOut.close();
            }
        }
    }

    /**
     * About how many structures the files hold, for the progress bar: the lines of JSON Lines files (gzip too),
     * one for any other file (a CIF with several data blocks counts one). -1 when a file cannot be read.
     */
    static long expectedStructures(List<Path> files) {
        long total = 0;
        for (Path f : files) {
            String name = f.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
            if (!name.endsWith(".jsonl") && !name.endsWith(".jsonl.gz") && !name.endsWith(".ndjson")) {
                total++;
                continue;
            }
            try (java.io.InputStream raw = Files.newInputStream(f);
                    java.io.InputStream in = name.endsWith(".gz") ? new java.util.zip.GZIPInputStream(raw) : raw;
                    java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8))) {
                total += r.lines().filter(l -> !l.isBlank()).count();
            } catch (IOException | java.io.UncheckedIOException e) {
                return -1;
            }
        }
        return total;
    }

    /**
     * Extensions of files that are never structures: in a folder they are skipped with a note (named one by one,
     * they are read all the same).
     */
    static final java.util.Set<String> NOT_STRUCTURES = java.util.Set.of("txt", "csv", "tsv", "md", "rst", "json", "log", "py", "ipynb", "png", "jpg",
            "jpeg", "svg", "pdf", "yaml", "yml", "toml", "ini", "cfg", "npy", "npz", "pkl", "pt", "pth", "h5", "hdf5", "sh", "html", "xml", "zip",
            "tar", "tgz", "bz2", "xz", "onnx");

    /** Files as given; a folder stands for its regular files in name order, less those that are not structures (noted on {@code notes}). */
    static List<Path> expand(List<Path> inputs, PrintWriter notes) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path p : inputs) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    for (Path f : s.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith(".")).sorted().toList()) {
                        String name = f.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
                        String ext = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1) : "";
                        if (NOT_STRUCTURES.contains(ext)) {
                            notes.println("note: skipping " + f + ": not a structure file (." + ext + "); name it on its own to read it anyway");
                        } else {
                            files.add(f);
                        }
                    }
                }
            } else {
                files.add(p);
            }
        }
        return files;
    }

    private int inProcess(List<Path> files, SiteRowWriter rows, PrintWriter err, Progress progress) {
        PersiteConfig config = PersiteConfig.load();
        LoadedModel loaded;
        try {
            org.persite.server.ModelsSettings models = org.persite.server.ModelsSettings.fromConfig(config.section().getConfig("models"));
            Path dir = model == null ? models.directory().resolve(models.defaultModel())
                    // a bare name (magmom) that is a model under the models directory, as with --server; else a path
                    : !model.contains("/") && !Files.exists(Path.of(model)) ? models.directory().resolve(model) : Path.of(model);
            loaded = ModelDirectory.load(ModelDirectory.resolve(dir));
        } catch (ModelLoadException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
        BatcherSettings batching = BatcherSettings.fromConfig(config.section().getConfig("inference"));
        EngineSettings engineSettings = EngineSettings.fromConfig(config.section().getConfig("inference"));
        org.persite.structure.StructureLimits limits = config.structureLimits(ElementTable.cgcnn());
        limits = limits.withStrict(strict || limits.strict());
        if (maxAtoms != null) {
            limits = limits.withMaxAtoms(maxAtoms);
        }
        StructureReader reader = new StructureReader(limits, CellListOverlapFinder.INSTANCE);
        CrystalGraphBuilder builder = new CrystalGraphBuilder(loaded.spec().featurizer());
        String version = loaded.spec().name() + "/" + loaded.spec().version();
        try (OnnxInferenceEngine engine = OnnxInferenceEngine.open(loaded, engineSettings.device(), engineSettings.requireGpu(),
                engineSettings.intraOpThreads())) {
            rows.properties(loaded.spec().properties().stream().map(PropertySpec::name).toList(),
                    loaded.spec().properties().stream().map(PropertySpec::unit).toList(), engine.hasUncertainty(),
                    engine.hasDomainScore() && loaded.spec().trust().domain() != null, engine.hasInterval());
            long minElementSites = config.section().getLong("domain.min-element-sites");
            org.persite.model.Trust.Domain domain = loaded.spec().trust().domain();
            LocalPredictor.Settings spread = LocalPredictor.Settings.fromConfig(config.section().getConfig("predict"), batching);
            int p = engine.properties();
            new LocalPredictor(reader, builder, engine, spread, totalCharge).run(files, inputFormat, new LocalPredictor.Sink() {
                @Override
                public void warned(String warning) {
                    progress.warned(warning);
                }

                @Override
                public void failed(String message) {
                    progress.failed(message);
                }

                @Override
                public void predicted(Structure s, SiteOutputs o) {
                    boolean outOfDomain = false;
                    if (o.domain() != null && domain != null) {
                        outOfDomain = org.persite.model.DomainAssessment.of(domain, o.domain(), s.speciesSymbols(), minElementSites).outOfDomain();
                    }
                    int withStd = o.std() == null ? p : 2 * p;
                    float[] site = new float[withStd + (o.interval() == null ? 0 : 2 * p)];   // values, σ, lower bounds, upper bounds
                    for (int i = 0; i < s.size(); i++) {
                        System.arraycopy(o.values(), i * p, site, 0, p);
                        if (o.std() != null) {
                            System.arraycopy(o.std(), i * p, site, p, p);
                        }
                        if (o.interval() != null) {
                            System.arraycopy(o.interval(), i * 2 * p, site, withStd, 2 * p);
                        }
                        rows.row(s.source(), i, s.species(i), site, o.domain() == null ? Float.NaN : o.domain()[i], outOfDomain, version);
                    }
                    progress.predicted(s.size());
                }
            });
            rows.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("error: interrupted");
            return 1;
        } catch (InferenceException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
        return progress.errors() == 0 ? 0 : 1;
    }
}
