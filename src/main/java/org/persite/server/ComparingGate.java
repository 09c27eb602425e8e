package org.persite.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.persite.inference.InferenceException;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.model.LoadedModel;
import org.persite.model.ModelLoadException;
import org.persite.model.ModelSpec;
import org.persite.structure.StructureReader;
import org.persite.train.Evaluation;
import org.persite.train.SiteDataset;
import org.persite.train.SiteMetrics;
import org.persite.train.TargetSpec;

/**
 * The part of the activation gate that compares: a candidate version goes live only if it is no worse than
 * the active version on the model's fixed gate set, within a margin, on all sites and on transition-metal
 * sites, and if its card shows it beating its own per-element baseline.
 *
 * <p>The gate set is {@code models/<name>/gate.jsonl.gz} (or {@code gate.jsonl}): labelled structures in the
 * training data's JSON Lines form, which the model name carries from version to version. The field and
 * transform come from the candidate's card ({@code provenance.property}, {@code provenance.transform}). A
 * model without a gate set is compared on the two cards' test MAEs instead, and the report says so (their
 * test splits may differ). Scores are cached per version and gate-set file.
 */
final class ComparingGate {
    /** The gate set's file names, in the order looked for. */
    static final List<String> GATE_FILES = List.of(org.persite.train.GateSetWriter.FILE, "gate.jsonl");

    /**
     * @param margin relative: the candidate's MAE may exceed the active version's by at most this fraction (0.02 = 2%)
     * @param requireBaseline the candidate's card must show test MAE below its per-element baseline's
     */
    record Settings(double margin, boolean requireBaseline) {
        Settings {
            if (!(margin >= 0) || margin > 1) {
                throw new IllegalArgumentException("persite.models.gate.margin must be in 0..1, got " + margin);
            }
        }
    }

    /** MAE on the gate set: all labelled sites and transition-metal sites. */
    record Score(double mae, double maeTm, long sites, long tmSites) {
    }

    private final Settings settings;
    private final StructureReader reader;
    private final Map<String, Score> cache = new ConcurrentHashMap<>();

    ComparingGate(Settings settings, StructureReader reader) {
        this.settings = settings;
        this.reader = reader;
    }

    /** The gate set of a model folder, or null. */
    static Path gateSet(Path modelFolder) {
        for (String f : GATE_FILES) {
            if (Files.isRegularFile(modelFolder.resolve(f))) {
                return modelFolder.resolve(f);
            }
        }
        return null;
    }

    /**
     * Checks a candidate against the active version (null when none is active).
     *
     * @return the report for the log and {@code ModelInfo.gate}
     * @throws ModelLoadException the refusal, with both MAEs and the margin
     */
    String check(Path dir, Path modelFolder, LoadedModel candidate, OnnxInferenceEngine candidateEngine, ServedModel current)
            throws ModelLoadException {
        ModelSpec c = candidate.spec();
        String unit = c.properties().get(0).unit();
        List<String> failures = new java.util.ArrayList<>();
        StringBuilder report = new StringBuilder();
        if (current != null) {
            Path gateSet = gateSet(modelFolder);
            Score a = null;
            Score b = null;
            String where = null;
            if (gateSet != null && c.propertyCount() == 1 && c.provenance().containsKey("property")) {
                a = score(gateSet, current.model(), current.engine());
                b = score(gateSet, candidate, candidateEngine);
                where = "on the gate set " + modelFolder.getFileName() + "/" + gateSet.getFileName() + " (" + b.sites() + " sites)";
            } else {
                a = cardScore(current.model().spec());
                b = cardScore(c);
                where = "on the cards' test MAEs (no gate set " + GATE_FILES.get(0) + "; the test splits may differ)";
            }
            if (a == null || b == null) {
                report.append("not compared: no gate set (").append(GATE_FILES.get(0)).append(") and no test MAE on both cards");
            } else {
                double limit = 1 + settings.margin();
                boolean worse = b.mae() > a.mae() * limit;
                boolean worseTm = a.tmSites() > 0 && b.tmSites() > 0 && b.maeTm() > a.maeTm() * limit;
                String figures = String.format(Locale.ROOT, "MAE %.4f %s (TM sites %.4f) against the active v%d's %.4f (TM %.4f) %s, margin %.0f%%",
                        b.mae(), unit, b.maeTm(), current.version(), a.mae(), a.maeTm(), where, 100 * settings.margin());
                if (worse || worseTm) {
                    failures.add("it is worse than the active version" + (worse ? "" : " on transition-metal sites") + ": " + figures
                            + " (persite.models.gate.margin)");
                } else {
                    report.append(figures);
                }
            }
        } else {
            report.append("no version was active to compare with");
        }
        if (settings.requireBaseline()) {
            Double mae = c.metrics().get("test_mae");
            Double base = c.metrics().get("per_element_test_mae");
            if (mae != null && base != null) {
                if (!(mae < base)) {
                    failures.add(String.format(Locale.ROOT, "its test MAE %.4f %s is not below its own per-element baseline's %.4f %s "
                            + "(persite.models.gate.require-baseline)", mae, unit, base, unit));
                } else {
                    report.append(String.format(Locale.ROOT, "; test MAE %.4f %s below its per-element baseline's %.4f", mae, unit, base));
                }
            }
        }
        if (!failures.isEmpty()) {
            throw new ModelLoadException(dir, "failed the gate: " + String.join("; and ", failures) + " (Activate with force to override)");
        }
        return report.toString();
    }

    private static Score cardScore(ModelSpec s) {
        Double mae = s.metrics().get("test_mae");
        Double tm = s.metrics().get("test_mae_tm");
        if (mae == null) {
            return null;
        }
        return new Score(mae, tm == null ? Double.NaN : tm, 1, tm == null ? 0 : 1);
    }

    private Score score(Path gateSet, LoadedModel model, OnnxInferenceEngine engine) throws ModelLoadException {
        String key;
        try {
            key = model.sha256() + "|" + gateSet + "|" + Files.getLastModifiedTime(gateSet).toMillis() + "|" + Files.size(gateSet);
        } catch (IOException e) {
            throw new ModelLoadException(gateSet, "cannot read the gate set: " + e.getMessage());
        }
        Score cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        ModelSpec s = model.spec();
        TargetSpec target = new TargetSpec(s.provenance().get("property"),
                TargetSpec.Transform.parse(s.provenance().getOrDefault("transform", "none")), null, s.properties().get(0).unit());
        SiteDataset data;
        try {
            data = SiteDataset.load(gateSet, target, s.featurizer(), reader);
        } catch (RuntimeException e) {
            throw new ModelLoadException(gateSet, "cannot read the gate set: " + e.getMessage());
        }
        if (data.size() == 0) {
            throw new ModelLoadException(gateSet, "the gate set has no structure labelled with '" + target.field() + "'");
        }
        try {
            SiteMetrics m = SiteMetrics.of(data.examples(), Evaluation.predict(engine, data.examples()));
            Score sc = new Score(m.mae(), m.maeTransitionMetals(), m.sites(), m.transitionMetalSites());
            cache.put(key, sc);
            return sc;
        } catch (InferenceException | RuntimeException e) {
            throw new ModelLoadException(gateSet, "failed the gate: cannot predict the gate set: " + e.getMessage());
        }
    }
}
