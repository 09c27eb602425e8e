package org.persite.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.persite.model.ModelDirectory;
import org.persite.model.ModelLoadException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models directory on disk, {@code models/<name>/<integer version>/} as in Triton's model repository: which
 * models and versions there are, and each model's recorded active version. Every path it gives is confined to the
 * directory: names are plain, and symbolic links that lead out of it are refused. Reads the disk on every call
 * (blocking: call it off the request threads).
 */
public final class ModelRepository {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRepository.class);

    private final Path root;

    private ModelRepository(Path root) {
        this.root = root;
    }

    /** The repository at {@code dir}, which must exist. */
    public static ModelRepository at(Path dir) throws ModelLoadException {
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException(dir, "the models directory does not exist (persite.models.directory)");
        }
        try {
            return new ModelRepository(dir.toRealPath());
        } catch (IOException e) {
            throw new ModelLoadException(dir, "cannot resolve the models directory: " + e.getMessage());
        }
    }

    /** The models directory (real path). */
    public Path root() {
        return root;
    }

    /** A model's folder (its name checked by {@link #safeName}). */
    public Path modelDir(String name) {
        return root.resolve(name);
    }

    /** Every model folder, by name. */
    public List<String> modelNames() {
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(ModelRepository::safeName)
                    .filter(n -> confined(root.resolve(n))).sorted().toList();
        } catch (IOException e) {
            LOG.error("cannot list {}: {}", root, e.getMessage());
            return List.of();
        }
    }

    /** Every integer version folder of a model, ascending (empty for an unknown or unsafe name). */
    public List<Integer> versions(String name) {
        if (!safeName(name)) {
            return List.of();
        }
        Path dir = root.resolve(name);
        List<Integer> out = new ArrayList<>();
        if (!confined(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> Files.isDirectory(p) && confined(p)).map(p -> p.getFileName().toString()).filter(f -> f.matches("\\d{1,9}"))
                    .forEach(f -> out.add(Integer.parseInt(f)));
        } catch (IOException e) {
            return List.of();
        }
        out.sort(null);
        return out;
    }

    /** The folder of a version, checked to lie inside the models directory. */
    public Path versionDir(String name, int version) throws ModelLoadException {
        if (!safeName(name)) {
            throw new ModelLoadException(root, "'" + name + "' is not a model name (letters, digits, '.', '_', '-'; no path)");
        }
        if (version < 1) {
            throw new ModelLoadException(root.resolve(name), "versions are positive integers, got " + version);
        }
        Path dir = root.resolve(name).resolve(Integer.toString(version));
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir)) {
            throw new ModelLoadException(dir, "no such model version");
        }
        if (!confined(dir)) {
            throw new ModelLoadException(dir, "the model folder leads outside the models directory (a symbolic link?); refused");
        }
        return dir;
    }

    /** The version recorded in the model's active.json, or null when there is none. */
    public ModelDirectory.ActiveVersion recordedActive(String name) throws ModelLoadException {
        return ModelDirectory.readActive(root.resolve(name));
    }

    /** Records the model's active version and rollback history in its active.json. */
    public void recordActive(String name, ModelDirectory.ActiveVersion v) throws IOException {
        ModelDirectory.writeActive(root.resolve(name), v);
    }

    /** A plain model name: letters, digits, '.', '_', '-', no path. */
    public static boolean safeName(String name) {
        return name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}") && !name.contains("..");
    }

    /** True when the real path of {@code p} (links followed) is inside the models directory. */
    private boolean confined(Path p) {
        try {
            return p.toRealPath().startsWith(root);
        } catch (IOException e) {
            return false;
        }
    }
}
