package org.persite.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.inference.Batcher;
import org.persite.inference.BatcherSettings;
import org.persite.inference.EngineSettings;
import org.persite.inference.InferenceException;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.ModelLoadException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models the server serves: the newest version of every model folder under the models directory, each
 * with its own ONNX Runtime session and batcher. A model that fails to load is logged and left out; the
 * default model must load, or the server does not start.
 */
public final class ModelCatalog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelCatalog.class);

    private final Map<String, ServedModel> models;
    private final String defaultName;

    private ModelCatalog(Map<String, ServedModel> models, String defaultName) {
        this.models = models;
        this.defaultName = defaultName;
    }

    /**
     * Loads every model under {@code root} and starts a batcher actor for each.
     *
     * @throws ModelLoadException when the default model is missing or cannot be loaded
     */
    public static ModelCatalog load(Path root, String defaultName, EngineSettings engineSettings, BatcherSettings batching,
            Spawner spawner, ServerMetrics metrics) throws ModelLoadException {
        Map<String, ServedModel> models = new TreeMap<>();
        for (Path dir : modelFolders(root)) {
            String name = dir.getFileName().toString();
            try {
                List<Integer> versions = versions(dir);
                LoadedModel loaded = ModelDirectory.load(ModelDirectory.resolve(dir));
                OnnxInferenceEngine engine = OnnxInferenceEngine.open(loaded, engineSettings.device(), engineSettings.requireGpu(),
                        engineSettings.intraOpThreads());
                if (engineSettings.warmUp()) {
                    engine.warmUp(batching.buckets());
                }
                ActorRef<Batcher.Command> batcher = spawner.spawn(Batcher.create(engine, batching, metrics.batcherListener(name)),
                        "batcher-" + name, Props.empty());
                models.put(name, new ServedModel(loaded, engine, batcher, new CrystalGraphBuilder(loaded.spec().featurizer()), versions));
                metrics.activeVersion.labelValues(name).set(loaded.spec().version());
            } catch (ModelLoadException | InferenceException | IOException | RuntimeException e) {
                if (name.equals(defaultName)) {
                    models.values().forEach(m -> m.engine().close());
                    throw e instanceof ModelLoadException mle ? mle : new ModelLoadException(dir, e.getMessage());
                }
                LOG.error("model {} is not served: {}", name, e.getMessage());
            }
        }
        if (!models.containsKey(defaultName)) {
            models.values().forEach(m -> m.engine().close());
            throw new ModelLoadException(root.resolve(defaultName), "the default model (persite.models.default = " + defaultName
                    + ") is not in " + root.toAbsolutePath());
        }
        LOG.info("serving {} (default {})", models.values().stream().map(m -> m.name() + " v" + m.version()).toList(), defaultName);
        return new ModelCatalog(models, defaultName);
    }

    /** The model to use for a request: by name ("" = default) and version (0 = the served one). */
    public ServedModel resolve(String name, int version) throws UnknownModelException {
        String n = name.isEmpty() ? defaultName : name;
        ServedModel m = models.get(n);
        if (m == null) {
            throw new UnknownModelException("no model named '" + n + "'; served: " + String.join(", ", models.keySet()));
        }
        if (version != 0 && version != m.version()) {
            throw new UnknownModelException("model " + n + " version " + version + " is not served; the server serves version " + m.version()
                    + (m.availableVersions().contains(version) ? " (version " + version + " is on disk but not active)" : ""));
        }
        return m;
    }

    public String defaultName() {
        return defaultName;
    }

    public Collection<ServedModel> all() {
        return models.values();
    }

    /** A request named a model or version that the server does not serve. */
    public static final class UnknownModelException extends Exception {
        private static final long serialVersionUID = 1L;

        UnknownModelException(String message) {
            super(message);
        }
    }

    private static List<Path> modelFolders(Path root) throws ModelLoadException {
        if (!Files.isDirectory(root)) {
            throw new ModelLoadException(root, "the models directory does not exist (persite.models.directory)");
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new ModelLoadException(root, "cannot list the models directory: " + e.getMessage());
        }
    }

    private static List<Integer> versions(Path dir) throws IOException {
        List<Integer> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(f -> f.matches("\\d{1,9}"))
                    .forEach(f -> out.add(Integer.parseInt(f)));
        }
        out.sort(null);
        return List.copyOf(out);
    }

    @Override
    public void close() {
        models.values().forEach(m -> m.engine().close());
    }
}
