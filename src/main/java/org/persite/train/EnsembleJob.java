package org.persite.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.persite.graph.ElementTable;
import org.persite.inference.Device;
import org.persite.inference.InferenceException;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.ModelSpec;
import org.persite.model.OnnxEnsembleWriter;
import org.persite.structure.StructureReader;

/**
 * Joins trained models of one property, trained on the same split (same data, target and split seed; other
 * initial-weight seeds), into one ensemble model version whose second output is the per-site standard
 * deviation, then evaluates it on that shared test split: the ensemble's MAE, each member's MAE (mean ± std
 * over members: the seed-to-seed spread), the per-element average, and the calibration of σ. Writes
 * {@code modelFolder/<next version>/} with its card and report.
 */
public final class EnsembleJob {
    /** The sub-folder of an ensemble's model folder its members are trained into. */
    public static final String MEMBERS_FOLDER = "members";


    /** What was built. */
    public record Outcome(LoadedModel model, SiteMetrics validation, SiteMetrics test, List<SiteMetrics> memberTests, SiteMetrics perElementValidation,
            SiteMetrics perElementTest, Calibration calibration, String report, int structures) {
    }

    private EnsembleJob() {
    }

    /**
     * @param members the members' model directories, loaded
     * @param data the dataset they were trained on
     * @param trustHead how the ensemble's trust head is fitted
     * @throws IllegalArgumentException when the members do not share featurizer, properties, target and split
     */
    public static Outcome build(List<LoadedModel> members, Path data, Path modelFolder, String name, String command, TrustHeadSettings trustHead,
            StructureReader reader, ElementTable table) throws IOException {
        if (members.size() < 2) {
            throw new IllegalArgumentException("an ensemble needs at least 2 members, got " + members.size());
        }
        ModelSpec first = members.get(0).spec();
        TrainingProvenance trained = TrainingProvenance.of(first);
        for (LoadedModel m : members) {
            String what = m.directory() + " (" + m.spec().name() + " v" + m.spec().version() + ")";
            if (!m.spec().featurizer().equals(first.featurizer())) {
                throw new IllegalArgumentException(what + " has other featurizer settings than " + members.get(0).directory());
            }
            if (!m.spec().properties().stream().map(p -> p.name() + " " + p.unit()).toList()
                    .equals(first.properties().stream().map(p -> p.name() + " " + p.unit()).toList())) {
                throw new IllegalArgumentException(what + " predicts other properties than " + members.get(0).directory());
            }
            if (!TrainingProvenance.of(m.spec()).equals(trained)) {
                throw new IllegalArgumentException(what + " was trained on another target or split (" + TrainingProvenance.of(m.spec())
                        + ") than " + members.get(0).directory() + " (" + trained + "); members must share the split (train them with --split-seed)");
            }
        }
        SiteDataset ds = SiteDataset.load(data, trained.target(), first.featurizer(), reader);
        SiteDataset.Split split = ds.split(trained.splitSeed());
        List<SiteDataset.Example> train = CgcnnTrainer.pick(ds, split.train());
        List<SiteDataset.Example> val = CgcnnTrainer.pick(ds, split.validation());
        List<SiteDataset.Example> test = CgcnnTrainer.pick(ds, split.test());

        List<SiteMetrics> memberTests = new ArrayList<>();
        StringBuilder memberList = new StringBuilder();
        for (LoadedModel m : members) {
            try (OnnxInferenceEngine e = OnnxInferenceEngine.open(m, Device.CPU, false, 0)) {
                memberTests.add(SiteMetrics.of(test, Evaluation.predict(e, test)));
            } catch (InferenceException e) {
                throw new IllegalStateException("evaluating member " + m.directory() + " failed: " + e.getMessage(), e);
            }
            memberList.append(memberList.isEmpty() ? "" : "; ").append(m.spec().name()).append(" v").append(m.spec().version())
                    .append(" (seed ").append(m.spec().provenance().getOrDefault("seed", "?")).append(", sha256 ").append(m.sha256()).append(')');
        }

        int version = TrainingJob.nextVersion(modelFolder);
        Map<String, String> provenance = new LinkedHashMap<>(first.provenance());
        provenance.put("ensemble", members.size() + " members, mean and sample standard deviation per site: " + memberList);
        provenance.put("seed", "one per member");
        provenance.put("training", "each member: " + first.provenance().getOrDefault("training", "?"));
        provenance.put("command", command);
        provenance.put("created", Instant.now().toString());
        ModelSpec draft = new ModelSpec(name, version, first.hyperparameters(), first.featurizer(), first.properties(), provenance, Map.of());
        byte[] onnx = OnnxEnsembleWriter.write(draft, members.stream().map(LoadedModel::onnx).toList());

        List<float[]> valRows;
        List<float[]> testRows;
        try (OnnxInferenceEngine e = OnnxInferenceEngine.open(new LoadedModel(Path.of("(in memory)"), draft, onnx, ""), Device.CPU, false, 0)) {
            valRows = Evaluation.predictWithStd(e, val);
            testRows = Evaluation.predictWithStd(e, test);
        } catch (InferenceException e) {
            throw new IllegalStateException("evaluating the ensemble failed: " + e.getMessage(), e);
        }
        List<float[]> testMean = Evaluation.column(testRows, 0, 2);
        List<float[]> rawTestStd = Evaluation.column(testRows, 1, 2);
        List<float[]> valMean = Evaluation.column(valRows, 0, 2);
        // σ-scaling: the raw spread of a few members is too narrow; one factor, fitted on the validation split so
        // that 1.645·s·σ covers 90% of its errors, is written into the model and judged on the test split
        double scale = Calibration.scaleFor(val, valMean, Evaluation.column(valRows, 1, 2), Calibration.Z90, 0.90);
        onnx = OnnxEnsembleWriter.write(draft, members.stream().map(LoadedModel::onnx).toList(), scale);
        List<float[]> testStd = Calibration.scaled(rawTestStd, scale);
        Calibration unscaled = Calibration.of(test, testMean, rawTestStd, Calibration.Z90);
        SiteMetrics validation = SiteMetrics.of(val, valMean);
        SiteMetrics testMetrics = SiteMetrics.of(test, testMean);
        PerElementBaseline perElement = new PerElementBaseline(train);
        SiteMetrics perElementTest = SiteMetrics.of(test, test.stream().map(perElement::predict).toList());
        Calibration calibration = Calibration.of(test, testMean, testStd, Calibration.Z90);

        SiteMetrics perElementValidation = SiteMetrics.of(val, val.stream().map(perElement::predict).toList());
        Map<String, Double> metrics = new Evaluation(validation, testMetrics, perElementValidation, perElementTest).asMetrics();
        metrics.put("member_test_mae_mean", mean(memberTests, false));
        metrics.put("member_test_mae_std", std(memberTests, false));
        metrics.put("member_test_mae_tm_mean", mean(memberTests, true));
        metrics.put("member_test_mae_tm_std", std(memberTests, true));
        metrics.put("uncertainty_scale", scale);
        metrics.put("test_within_1.645_std_unscaled", unscaled.withinFraction());
        metrics.put("test_within_1.645_std_unscaled_tm", unscaled.withinFractionTransitionMetals());
        metrics.put("test_within_1.645_std", calibration.withinFraction());
        metrics.put("test_within_1.645_std_tm", calibration.withinFractionTransitionMetals());
        metrics.put("test_mean_std", calibration.meanStd());
        metrics.put("test_mean_std_tm", calibration.meanStdTransitionMetals());
        ModelSpec spec = new ModelSpec(name, version, first.hyperparameters(), first.featurizer(), first.properties(), provenance, metrics);
        // the graph depends on the name, version and scale only, not on the metrics: its means are the ones evaluated above and
        // its σ is the evaluated raw σ times the scale
        Path dir = modelFolder.resolve(Integer.toString(version));
        LoadedModel written = TrustFitting.fit(new LoadedModel(dir, spec, onnx, ""), ds, split, trained.target().constraint(), trustHead,
                table, dir, version, command).model();

        String prop = first.properties().get(0).name();
        String unit = first.properties().get(0).unit();
        StringBuilder md = new StringBuilder("# " + name + " v" + version + ": an ensemble of " + members.size() + " members, on their shared test split\n\n");
        md.append(new EvaluationReport(prop, unit, train.size(), testMetrics, null, perElementTest).markdown()).append('\n');
        md.append("| member | test MAE, all sites | test MAE, TM sites |\n|---|---|---|\n");
        for (int k = 0; k < members.size(); k++) {
            md.append(String.format(Locale.ROOT, "| %s v%d (seed %s) | %.4f | %.4f |%n", members.get(k).spec().name(), members.get(k).spec().version(),
                    members.get(k).spec().provenance().getOrDefault("seed", "?"), memberTests.get(k).mae(), memberTests.get(k).maeTransitionMetals()));
        }
        md.append(String.format(Locale.ROOT, "| members, mean ± std | %.4f ± %.4f | %.4f ± %.4f |%n| ensemble mean | %.4f | %.4f |%n%n",
                mean(memberTests, false), std(memberTests, false), mean(memberTests, true), std(memberTests, true), testMetrics.mae(),
                testMetrics.maeTransitionMetals()));
        md.append(String.format(Locale.ROOT, "Calibration of the per-site uncertainty σ (the members' sample standard deviation times %.3f, the"
                + " factor that makes 1.645σ cover 90%% of the validation split's errors): %.1f%% of test sites (%.1f%% of transition-metal"
                + " sites) have |error| ≤ 1.645σ; a calibrated normal σ gives 90%%. Mean σ %.4f %s (TM %.4f %s). Unscaled, the members' spread"
                + " covers %.1f%% (TM %.1f%%).%n", scale,
                100 * calibration.withinFraction(), 100 * calibration.withinFractionTransitionMetals(), calibration.meanStd(), unit,
                calibration.meanStdTransitionMetals(), unit, 100 * unscaled.withinFraction(), 100 * unscaled.withinFractionTransitionMetals()));
        Path reportDir = written.directory().resolve("report");
        Files.createDirectories(reportDir);
        Files.writeString(reportDir.resolve("report.md"), md.toString());
        EvaluationReport.parityPlot(reportDir, prop, unit, test, testMean);
        EvaluationReport.distributionPlot(reportDir, prop, unit, test, testMean);
        return new Outcome(written, validation, testMetrics, memberTests, perElementValidation, perElementTest, calibration, md.toString(), ds.size());
    }

    private static double mean(List<SiteMetrics> ms, boolean tm) {
        return ms.stream().mapToDouble(m -> tm ? m.maeTransitionMetals() : m.mae()).average().orElse(Double.NaN);
    }

    /** Sample standard deviation (divisor n - 1) over the members. */
    private static double std(List<SiteMetrics> ms, boolean tm) {
        double mu = mean(ms, tm);
        double ss = ms.stream().mapToDouble(m -> tm ? m.maeTransitionMetals() : m.mae()).map(v -> (v - mu) * (v - mu)).sum();
        return Math.sqrt(ss / (ms.size() - 1));
    }
}
