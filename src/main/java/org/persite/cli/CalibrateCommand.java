package org.persite.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.persite.config.PersiteConfig;
import org.persite.graph.CellListOverlapFinder;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.ElementTable;
import org.persite.inference.Buckets;
import org.persite.inference.Device;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.inference.SiteOutputs;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.ModelLoadException;
import org.persite.model.PropertySpec;
import org.persite.structure.Format;
import org.persite.structure.ParseResult;
import org.persite.structure.Structure;
import org.persite.structure.StructureReader;
import org.persite.train.GateSetWriter;
import org.persite.train.SiteDataset;
import org.persite.train.TrainingJob;
import org.persite.train.TrainingProvenance;
import org.persite.train.TrustFitting;
import org.persite.train.TrustHeadSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code persite calibrate --model models/NAME[/V]}: gives a trained version its trust head and writes it as
 * the model's next version (see {@link TrustFitting}); also writes the model's gate set when it has none.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        header = "Give a trained version its trust head (constraint, domain score, calibrated σ).",
        description = {"Give a trained version its trust head and write it as the model's next version: the property's constraint",
            "(|m| cannot be negative; charges sum to the cell's charge), a domain-of-applicability score fitted on the training",
            "split's last hidden layer, and, for an ensemble, σ recalibrated per element (per class where an element has too few",
            "validation sites) and capped at the property's range.",
            "Reads the training data and split from the card. Figures go into the new card and OUT/report/trust.md; with",
            "--probes, also how the domain score ranks out-of-domain structures against the test sites.",
            "Also writes models/NAME/gate.jsonl.gz (the test split) when the model has no gate set. A version that already has a",
            "trust head gets a new one fitted on its network (its constraint is kept unless --constraint is given)."})
final class CalibrateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "The version to start from (models/NAME/V), or a model folder (its active version).")
    Path model;

    @Option(names = "--data", description = "Its training data (default: the card's provenance.data).")
    Path data;

    @Option(names = "--constraint", description = "none, non-negative or conserved-sum (default: the version's own when it has a trust head; "
            + "else non-negative for an abs transform, else none).")
    String constraint;

    @Option(names = "--sum-weights", description = "How a conserved sum's correction is spread: uniform, or variance (ensembles: σ²). "
            + "Default: persite.trust-head.sum-weights (uniform).")
    String sumWeights;

    @Option(names = "--components", description = "Principal components of the domain summary. Default: persite.trust-head.components (16).")
    Integer components;

    @Option(names = "--environment-components", description = "Principal components of the first-shell descriptors' summary: a site's "
            + "domain score is the larger of its latent's and its neighbours' (0 = the latent's alone). "
            + "Default: persite.trust-head.environment-components (64).")
    Integer environmentComponents;

    @Option(names = "--element-scale-sites", description = "An ensemble's σ gets an element's own scale (fitted on that element's "
            + "validation sites) when the validation split has at least this many of its sites; the others keep their class's "
            + "(transition metals or not). 0 = the two class scales alone. Default: persite.trust-head.element-scale-sites (500).")
    Integer elementScaleSites;

    @Option(names = "--residual-std-bins", description = "A single model gets a per-site σ from its own validation errors: per element "
            + "and bin of the predicted value (this many bins between the validation predictions' 1%% and 99%% quantiles), the errors' "
            + "90%% quantile over 1.645. 0 = no σ and no interval; ensembles keep their members' spread as σ and take only the "
            + "interval from these groups. Default: persite.trust-head.residual-std.bins (8).")
    Integer residualStdBins;

    @Option(names = "--residual-std-min-sites", description = "The validation sites an (element, bin) group needs for its own σ; a "
            + "smaller group takes its element's, an element with fewer its class's. Default: persite.trust-head.residual-std.min-sites (200).")
    Integer residualStdMinSites;

    @Option(names = "--residual-interval-tail", description = "A one-sided interval (single models and ensembles): the prediction plus "
            + "its group's TAIL and 1 - TAIL quantiles of the signed validation errors. 0 = none. "
            + "Default: persite.trust-head.residual-std.interval-tail (0.04).")
    Double residualIntervalTail;

    @Option(names = "--probes", description = "A folder of structures outside the training domain, to rank against the test sites.")
    Path probes;

    @Spec
    CommandSpec spec;

    /**
     * A single model's σ by element (rows) and bin of the predicted value (columns), then the class values for the
     * elements without their own.
     */
    static String residualTable(org.persite.model.Trust.ResidualStd r) {
        double[] e = r.edges();
        StringBuilder t = new StringBuilder("| element |");
        for (int b = 0; b < r.bins(); b++) {
            t.append(b == 0 ? (e.length == 0 ? " all" : String.format(Locale.ROOT, " < %.3g", e[0]))
                    : b == e.length ? String.format(Locale.ROOT, " ≥ %.3g", e[b - 1]) : String.format(Locale.ROOT, " %.3g to %.3g", e[b - 1], e[b]))
                    .append(" |");
        }
        t.append("\n|---|").append("---|".repeat(r.bins())).append('\n');
        r.elementBins().forEach((element, v) -> {
            t.append("| ").append(element).append(" |");
            for (double x : v) {
                t.append(String.format(Locale.ROOT, " %.3g |", x));
            }
            t.append('\n');
        });
        t.append(String.format(Locale.ROOT, "%nOther elements: %.3g on transition metals, %.3g on the rest (fewer than %d validation sites each). "
                + "An element's groups (element, bin) with fewer than %d sites share one σ, fitted on their sites where they are that many, "
                + "else on all the element's.%n", r.classTransitionMetals(), r.classOther(), r.minSites(), r.minSites()));
        return t.toString();
    }

    /** The configuration's settings, each flag given taking the place of its key. */
    TrustHeadSettings settings(TrustHeadSettings conf) {
        return new TrustHeadSettings(components != null ? components : conf.components(), conf.siteQuantile(), conf.thresholdQuantile(),
                sumWeights != null ? sumWeights : conf.sumWeights(), environmentComponents != null ? environmentComponents : conf.environmentComponents(),
                elementScaleSites != null ? elementScaleSites : conf.elementScaleSites(), residualStdBins != null ? residualStdBins : conf.residualStdBins(),
                residualStdMinSites != null ? residualStdMinSites : conf.residualStdMinSites(),
                residualIntervalTail != null ? residualIntervalTail : conf.residualIntervalTail());
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PersiteConfig config = PersiteConfig.load();
        TrustHeadSettings settings;
        try {
            settings = settings(config.trustHeadSettings());
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage() + " (from the flags, else persite.trust-head)");
        }
        LoadedModel base;
        try {
            base = ModelDirectory.load(ModelDirectory.resolve(model));
        } catch (ModelLoadException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return 1;
        }
        PropertySpec.Constraint had = null;
        if (TrustFitting.hasTrustHead(base)) {
            had = base.spec().properties().get(0).constraint();
            o.printf(Locale.ROOT, "%s v%d already has a trust head: it is fitted again on the network without it%n", base.spec().name(), base.spec().version());
            base = TrustFitting.withoutTrustHead(base);
        }
        TrainingProvenance trained = TrainingProvenance.of(base.spec());
        Path dataFile = data != null ? data : Path.of(base.spec().provenance().getOrDefault("data", ""));
        if (!Files.exists(dataFile)) {
            err.println("error: the training data " + dataFile + " is not there; give it with --data");
            err.flush();
            return 2;
        }
        PropertySpec.Constraint c = constraint != null ? PropertySpec.Constraint.parse(constraint) : had != null ? had
                : trained.target().transform() == org.persite.train.TargetSpec.Transform.ABS ? PropertySpec.Constraint.NON_NEGATIVE
                : PropertySpec.Constraint.NONE;
        ElementTable table = ElementTable.cgcnn();
        StructureReader reader = new StructureReader(config.structureLimits(table), CellListOverlapFinder.INSTANCE);
        long t0 = System.nanoTime();
        SiteDataset ds = SiteDataset.load(dataFile, trained.target(), base.spec().featurizer(), reader);
        SiteDataset.Split split = ds.split(trained.splitSeed());
        Path folder = base.directory().getParent();
        int version = TrainingJob.nextVersion(folder);
        Path out = folder.resolve(Integer.toString(version));
        String command = "persite calibrate --model " + model + (data != null ? " --data " + data : "") + " --constraint " + c.cardName()
                + " --sum-weights " + settings.sumWeights() + " --components " + settings.components() + " --environment-components "
                + settings.environmentComponents() + " --element-scale-sites " + settings.elementScaleSites() + " --residual-std-bins "
                + settings.residualStdBins() + " --residual-std-min-sites " + settings.residualStdMinSites() + " --residual-interval-tail "
                + settings.residualIntervalTail() + (probes != null ? " --probes " + probes : "");
        TrustFitting.Outcome r = TrustFitting.fit(base, ds, split, c, settings, table, out, version, command);
        int gate = GateSetWriter.writeIfAbsent(folder, dataFile, split.test().stream().map(ds::get).toList());

        StringBuilder md = new StringBuilder();
        md.append("# ").append(base.spec().name()).append(" v").append(version).append(": trust head on v").append(base.spec().version()).append("\n\n");
        md.append("Command: `").append(command).append("`; test split of ").append(split.test().size()).append(" structures.\n\n");
        md.append("| figure | value |\n|---|---|\n");
        for (Map.Entry<String, Double> e : r.figures().entrySet()) {
            md.append(String.format(Locale.ROOT, "| %s | %.6g |%n", e.getKey(), e.getValue()));
        }
        org.persite.model.Trust.Domain fitted = r.model().spec().trust().domain();
        md.append(String.format(Locale.ROOT, "| domain threshold (structures' mean site score, validation %.2f quantile) | %.4g |%n",
                fitted.thresholdQuantile(), fitted.threshold()));
        md.append(String.format(Locale.ROOT, "| domain threshold (structures' lowest site score, validation %.2f quantile) | %.4g |%n",
                fitted.thresholdQuantile(), fitted.lowestSiteThreshold()));
        md.append(String.format(Locale.ROOT, "| domain score (per site) | %s: the latent's distance, %d components%s |%n", fitted.method(),
                fitted.components(), fitted.hasEnvironment() ? String.format(Locale.ROOT, ", or the first shell's (%d components) where larger",
                        fitted.environmentComponents()) : ""));
        org.persite.model.Trust.ResidualStd residual = r.model().spec().trust().residualStd();
        if (residual != null && r.model().spec().trust().uncertainty() == null) {
            md.append("\n## σ from the validation errors\n\n").append(residualTable(residual));
            md.append("\n### Its coverage per element (test split, elements with at least 500 sites)\n\n| element | test sites | MAE | own σ | "
                    + "covered at ±1.645σ | mean σ |\n|---|---|---|---|---|---|\n");
            r.elementCoverage().forEach(row -> md.append(String.format(Locale.ROOT, "| %s | %d | %.4g | %s | %.1f%% | %.4g |%n", row.element(),
                    row.testSites(), row.mae(), row.ownScale() ? "yes" : "its class's", 100 * row.within(), row.meanStd())));
        } else if (!r.elementCoverage().isEmpty()) {
            md.append("\n## σ per element\n\n").append(coverageTable(r.elementCoverage()));
        }
        if (probes != null) {
            md.append("\n## Out-of-domain probes\n\n").append(probeTable(r, reader, config.section().getLong("domain.min-element-sites")));
        }
        Path report = out.resolve("report");
        Files.createDirectories(report);
        Files.writeString(report.resolve("trust.md"), md);
        o.print(md);
        o.printf(Locale.ROOT, "wrote %s in %.0f s%s%n", out, (System.nanoTime() - t0) / 1e9, gate > 0 ? "; gate set " + folder.resolve(GateSetWriter.FILE)
                + " (" + gate + " test structures)" : "");
        o.flush();
        return 0;
    }

    /** σ's coverage of each element's test sites at ±1.645σ, with the class scales alone and with the scales served. */
    static String coverageTable(List<TrustFitting.ElementCoverage> rows) {
        StringBuilder t = new StringBuilder("Coverage of each element's test sites at ±1.645σ (the target is 90%), with the two class scales "
                + "alone and with the scales served (the element's own where marked), and the mean σ each way.\n\n"
                + "| element | test sites | MAE | scale served | class scale | covered, class scales | covered, served | mean σ, class scales "
                + "| mean σ, served |\n|---|---|---|---|---|---|---|---|---|\n");
        for (TrustFitting.ElementCoverage c : rows) {
            t.append(String.format(Locale.ROOT, "| %s | %d | %.4g | %.4g%s | %.4g | %.1f%% | %.1f%% | %.4g | %.4g |%n", c.element(), c.testSites(), c.mae(),
                    c.scale(), c.ownScale() ? " (own)" : "", c.classScale(), 100 * c.withinClassScales(), 100 * c.within(), c.meanStdClassScales(),
                    c.meanStd()));
        }
        return t.toString();
    }

    /** Each probe structure's lowest, mean and highest site score, the share of test sites below its lowest, and its verdict. */
    private String probeTable(TrustFitting.Outcome r, StructureReader reader, long minElementSites) throws IOException {
        List<Structure> structures = new ArrayList<>();
        try (var files = Files.list(probes)) {
            for (Path f : files.filter(p -> !p.getFileName().toString().endsWith(".md")).sorted().toList()) {
                for (ParseResult p : reader.readFile(f, Format.AUTO)) {
                    if (p instanceof ParseResult.Parsed ok) {
                        structures.add(ok.value().structure());
                    }
                }
            }
        }
        StringBuilder t = new StringBuilder("| probe | formula | lowest site score | mean | highest | test sites below its lowest | verdict |\n"
                + "|---|---|---|---|---|---|---|\n");
        double[] test = r.testSiteScores();
        CrystalGraphBuilder builder = new CrystalGraphBuilder(r.model().spec().featurizer());
        try (OnnxInferenceEngine e = OnnxInferenceEngine.open(r.model(), Device.CPU, false, 0)) {
            for (Structure s : structures) {
                SiteOutputs out = e.layout().split(e.predictOne(builder.build(s), Buckets.defaults()));
                double lo = Double.POSITIVE_INFINITY;
                double hi = 0;
                for (float v : out.domain()) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
                int below = Arrays.binarySearch(test, lo);
                below = below < 0 ? -below - 1 : below;
                org.persite.model.DomainAssessment a = org.persite.model.DomainAssessment.of(r.model().spec().trust().domain(), out.domain(),
                        s.speciesSymbols(), minElementSites);
                t.append(String.format(Locale.ROOT, "| %s | %s | %.3g | %.3g | %.3g | %.2f%% | %s |%n", s.source(), s.formula(), lo, a.score(), hi,
                        100.0 * below / test.length, a.outOfDomain() ? "out of domain: " + a.reason() : "inside"));
            }
        } catch (org.persite.inference.InferenceException ex) {
            throw new IllegalStateException(ex.getMessage(), ex);
        }
        return t.toString();
    }
}
