package org.persite.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.persite.config.PersiteConfig;
import org.persite.graph.CellListOverlapFinder;
import org.persite.graph.ElementTable;
import org.persite.inference.Device;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.PropertySpec;
import org.persite.structure.StructureReader;
import org.persite.train.Evaluation;
import org.persite.train.EvaluationReport;
import org.persite.train.MlpBaseline;
import org.persite.train.PerElementBaseline;
import org.persite.train.SiteDataset;
import org.persite.train.SiteMetrics;
import org.persite.train.TargetSpec;
import org.persite.train.TrainingProvenance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code persite evaluate --model DIR --data FILE}: the paper-style table and plots on the model's test split. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        header = "Evaluate a model on its own test split, against the baselines.",
        description = {"Evaluate a trained model on the test split it was trained with (property, transform, filter and split seed",
            "come from its card): prints a Table-1 style Markdown table (CGCNN, MLP, per-element average; all sites and",
            "transition-metal sites) and writes report.md, parity.png and distributions-3d.png into --out."})
final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "A model version or a model folder (its newest version).")
    Path model;

    @Option(names = "--data", required = true, description = "The dataset the model was trained on (JSON Lines, or a folder with targets.csv).")
    Path data;

    @Option(names = "--out", description = "Where the report goes (default: <model version>/report).")
    Path out;

    @Option(names = "--mlp-epochs", defaultValue = "0", description = "Train the MLP baseline for this many epochs (0 = skip; default ${DEFAULT-VALUE}).")
    int mlpEpochs;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        LoadedModel m;
        try {
            m = ModelDirectory.load(ModelDirectory.resolve(model));
        } catch (org.persite.model.ModelLoadException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return 1;
        }
        PropertySpec prop = m.spec().properties().get(0);
        TrainingProvenance trained;
        try {
            trained = TrainingProvenance.of(m.spec());
        } catch (IllegalArgumentException e) {
            err.println("error: " + m.directory() + ": " + e.getMessage());
            err.flush();
            return 1;
        }
        TargetSpec target = trained.target();
        PersiteConfig config = PersiteConfig.load();
        ElementTable table = ElementTable.cgcnn();
        StructureReader reader = new StructureReader(config.structureLimits(table), CellListOverlapFinder.INSTANCE);
        SiteDataset ds = SiteDataset.load(data, target, m.spec().featurizer(), reader);
        SiteDataset.Split split = ds.split(trained.splitSeed());
        List<SiteDataset.Example> train = split.train().stream().map(ds::get).toList();
        List<SiteDataset.Example> val = split.validation().stream().map(ds::get).toList();
        List<SiteDataset.Example> test = split.test().stream().map(ds::get).toList();
        List<float[]> predictions;
        try (OnnxInferenceEngine engine = OnnxInferenceEngine.open(m, Device.CPU, false, 0)) {
            predictions = Evaluation.predict(engine, test);
        }
        PerElementBaseline perElement = new PerElementBaseline(train);
        SiteMetrics mlp = null;
        if (mlpEpochs > 0) {
            try (MlpBaseline b = new MlpBaseline(m.spec().featurizer(), table, m.spec().hyperparameters().hiddenWidth(), 2)) {
                b.fit(train, val, mlpEpochs, 64, 0.003f, trained.splitSeed());
                mlp = SiteMetrics.of(test, b.predict(test));
            }
        }
        EvaluationReport report = new EvaluationReport(prop.name(), prop.unit(), train.size(), SiteMetrics.of(test, predictions), mlp,
                SiteMetrics.of(test, test.stream().map(perElement::predict).toList()));
        Path dir = out != null ? out : m.directory().resolve("report");
        Files.createDirectories(dir);
        String md = "# " + m.spec().name() + " v" + m.spec().version() + " on its test split\n\n" + report.markdown();
        Files.writeString(dir.resolve("report.md"), md);
        EvaluationReport.parityPlot(dir, prop.name(), prop.unit(), test, predictions);
        EvaluationReport.distributionPlot(dir, prop.name(), prop.unit(), test, predictions);
        o.print(md);
        o.println("wrote " + dir.resolve("report.md") + ", parity.png, distributions-3d.png");
        o.flush();
        return 0;
    }
}
