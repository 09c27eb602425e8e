package org.persite.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.persite.graph.ElementTable;
import org.persite.graph.FeaturizerSettings;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.ModelSpec;
import org.persite.model.PropertySpec;
import org.persite.structure.StructureReader;

/**
 * One training run from dataset to model directory: read the dataset and build its graphs, split 60/20/20,
 * train (best validation epoch kept), evaluate on the test split against the per-element average, and write
 * {@code modelFolder/<next version>/} with its card. The CLI's {@code persite train} and the server's trainer
 * actor both run this.
 */
public final class TrainingJob {

    /**
     * What to train.
     *
     * @param data a JSON Lines dataset (.jsonl or .jsonl.gz)
     * @param modelFolder models/NAME; the new version is written in its next integer folder
     * @param command how the run was asked for, for the card's provenance
     */
    public record Request(Path data, TargetSpec target, String modelName, Path modelFolder, TrainingConfig config, String command) {
    }

    /** What a run produced. */
    public record Outcome(LoadedModel model, Evaluation evaluation, TrainingResult result, int structures) {
    }

    /** Progress as the run goes. */
    public interface Listener {
        /** The dataset is read: structures kept, left out by the filter or unlabelled, unreadable; seconds spent. */
        default void datasetRead(int structures, int skipped, int refused, double seconds) {
        }

        default void epoch(CgcnnTrainer.EpochReport report) {
        }
    }

    private TrainingJob() {
    }

    /**
     * Runs a request to the end.
     *
     * @param cancelled checked before every batch
     * @throws java.util.concurrent.CancellationException when cancelled
     * @throws IllegalStateException when training diverges (a loss that is not finite)
     */
    public static Outcome run(Request r, FeaturizerSettings featurizer, ElementTable table, StructureReader reader, Listener listener,
            BooleanSupplier cancelled) throws IOException {
        long t0 = System.nanoTime();
        SiteDataset ds = SiteDataset.load(r.data(), r.target(), featurizer, reader);
        listener.datasetRead(ds.size(), ds.skipped(), ds.refused(), (System.nanoTime() - t0) / 1e9);
        if (ds.size() < 5) {
            throw new IllegalArgumentException(r.data() + " gives " + ds.size() + " usable structures; a 60/20/20 split needs at least 5");
        }
        SiteDataset.Split split = ds.split(r.config().splitSeed());
        TrainingConfig tc = r.config();
        TrainingResult result = new CgcnnTrainer(featurizer, table).train(ds, split, tc, listener::epoch, cancelled);
        int version = nextVersion(r.modelFolder());
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put("data", r.data().toString());
        provenance.put("property", r.target().field());
        provenance.put("transform", r.target().transform().name().toLowerCase(Locale.ROOT));
        provenance.put("filter", r.target().filter() == null ? "" : r.target().filter());
        provenance.put("split", "random 60/20/20 by structure, seed " + tc.splitSeed());
        provenance.put("seed", Long.toString(tc.seed()));
        provenance.put("structures", ds.size() + " (train " + split.train().size() + ", validation " + split.validation().size() + ", test "
                + split.test().size() + ")");
        provenance.put("training", String.format(Locale.ROOT, "%s, %s, %d epochs, batch %d crystals, lr %s cosine, best epoch %d, %.0f s",
                tc.optimizer(), tc.loss(), tc.epochs(), tc.batchCrystals(), tc.learningRate(), result.bestEpoch(), result.seconds()));
        provenance.put("hardware", Runtime.getRuntime().availableProcessors() + " CPU cores, " + System.getProperty("os.arch") + ", DJL PyTorch (CPU)");
        provenance.put("command", r.command());
        provenance.put("created", Instant.now().toString());
        List<PropertySpec> props = List.of(new PropertySpec(r.target().field(), r.target().unit(), result.mean(), result.std()));
        ModelSpec draft = new ModelSpec(r.modelName(), version, tc.hyperparameters(), featurizer, props, provenance, Map.of());
        Evaluation ev = Evaluation.of(ds, split, draft, result.weights(), table);
        ModelSpec spec = new ModelSpec(r.modelName(), version, tc.hyperparameters(), featurizer, props, provenance, ev.asMetrics());
        LoadedModel written = ModelDirectory.write(r.modelFolder().resolve(Integer.toString(version)), spec, result.weights(), table);
        return new Outcome(written, ev, result, ds.size());
    }

    /** One more than the highest integer version folder in dir (1 for a new dir). */
    public static int nextVersion(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 1;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d{1,9}")).mapToInt(Integer::parseInt).max().orElse(0) + 1;
        }
    }
}
