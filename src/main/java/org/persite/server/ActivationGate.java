package org.persite.server;

import java.nio.file.Path;
import java.util.List;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.inference.BatcherSettings;
import org.persite.inference.InferenceException;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.ModelLoadException;
import org.persite.structure.Structure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checks a loaded, warmed version passes before it goes live, and the report that says how it went: its
 * outputs speak to clients as the active version's do, it predicts finite values for the shipped examples, and
 * (when activated, polled or trained) it is no worse than the active version on the model's gate set
 * ({@link ComparingGate}). A forced activation skips the comparison; a rollback and the start are not compared.
 */
public final class ActivationGate {
    private static final Logger LOG = LoggerFactory.getLogger(ActivationGate.class);

    /**
     * The gate's settings.
     *
     * @param smokeStructures predicted at every activation: every value must be finite
     * @param maxValidationMaeIncrease the old card-to-card validation check (negative: off)
     * @param compare the comparing gate's settings (see {@link ComparingGate})
     * @param reader reads the gate sets
     */
    public record Settings(List<Structure> smokeStructures, double maxValidationMaeIncrease, ComparingGate.Settings compare,
            org.persite.structure.StructureReader reader) {
    }

    /** Why a version is being activated, which decides how much of the gate applies. */
    enum Activation {
        /** At start: the recorded or newest version; it is not compared (nothing is active yet). */
        START,
        /** Activate, poll or training: the whole gate. */
        GATED,
        /** Activate with force: the comparison and baseline are skipped, and the log and report say so. */
        FORCED,
        /** Rollback: the operator goes back; not compared. */
        ROLLBACK
    }

    private final Settings settings;
    private final ComparingGate comparing;
    private final BatcherSettings batching;

    public ActivationGate(Settings settings, BatcherSettings batching) {
        this.settings = settings;
        this.batching = batching;
        this.comparing = new ComparingGate(settings.compare(), settings.reader());
    }

    /** Before the version is opened: it must speak to clients as the active one does (same properties and units, same element table). */
    void checkCompatible(Path dir, ServedModel current, LoadedModel next) throws ModelLoadException {
        if (current == null) {
            return;
        }
        List<String> a = outputs(current.model());
        List<String> b = outputs(next);
        if (!a.equals(b)) {
            throw new ModelLoadException(dir, "incompatible: it predicts " + b + " but the active version predicts " + a);
        }
        String ta = current.model().spec().featurizer().elementTableId();
        String tb = next.spec().featurizer().elementTableId();
        if (!ta.equals(tb)) {
            throw new ModelLoadException(dir, "incompatible featurizer: element table " + tb + ", the active version uses " + ta);
        }
    }

    /**
     * The checks on the opened, warmed session; returns the gate report the version keeps.
     *
     * @param modelDir the model's folder (its gate set lives there)
     * @param current the active version, or null
     */
    String check(Activation why, Path dir, Path modelDir, LoadedModel loaded, OnnxInferenceEngine engine, ServedModel current)
            throws ModelLoadException, InferenceException {
        smokeTest(dir, loaded, engine);
        String name = loaded.spec().name();
        return switch (why) {
            case GATED -> {
                if (current != null) {
                    checkValidationMae(dir, current.model(), loaded);
                }
                yield "passed: " + comparing.check(dir, modelDir, loaded, engine, current);
            }
            case FORCED -> {
                LOG.warn("model {}: v{} activation gate FORCED (the comparison with the active version and the baseline check were skipped)",
                        name, loaded.spec().version());
                yield "FORCED past the comparison by Activate(force)" + (current == null ? "" : " over the active v" + current.version());
            }
            case ROLLBACK -> "rolled back to" + (current == null ? "" : " from v" + current.version()) + "; not compared";
            case START -> "served at start (" + ModelDirectory.ACTIVE_FILE + " or newest); not compared";
        };
    }

    private static List<String> outputs(LoadedModel m) {
        return m.spec().properties().stream().map(p -> p.name() + " [" + p.unit() + "]").toList();
    }

    /** A prediction of the shipped example structures must be finite. */
    private void smokeTest(Path dir, LoadedModel loaded, OnnxInferenceEngine engine) throws ModelLoadException, InferenceException {
        if (settings.smokeStructures().isEmpty()) {
            return;
        }
        CrystalGraphBuilder builder = new CrystalGraphBuilder(loaded.spec().featurizer());
        List<CrystalGraph> graphs = settings.smokeStructures().stream().map(builder::build).toList();
        List<float[]> out = engine.predictAll(graphs, batching.buckets(), batching.maxBatchAtoms());
        for (int k = 0; k < out.size(); k++) {
            for (float v : out.get(k)) {
                if (!Float.isFinite(v)) {
                    throw new ModelLoadException(dir, "failed the gate: it predicts " + v + " for " + settings.smokeStructures().get(k).source());
                }
            }
        }
    }

    /** Optionally: its validation MAE is no worse than the active version's by more than the configured fraction. */
    private void checkValidationMae(Path dir, LoadedModel current, LoadedModel next) throws ModelLoadException {
        if (!(settings.maxValidationMaeIncrease() >= 0)) {
            return;
        }
        Double a = current.spec().metrics().get("validation_mae");
        Double b = next.spec().metrics().get("validation_mae");
        if (a == null || b == null) {
            return;
        }
        if (b > a * (1 + settings.maxValidationMaeIncrease())) {
            throw new ModelLoadException(dir, String.format(java.util.Locale.ROOT,
                    "failed the gate: validation MAE %.4f is worse than the active version's %.4f by more than %.0f%% "
                            + "(persite.models.gate.max-validation-mae-increase)", b, a, 100 * settings.maxValidationMaeIncrease()));
        }
    }
}
