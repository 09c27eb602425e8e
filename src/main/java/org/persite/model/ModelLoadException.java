package org.persite.model;

import java.nio.file.Path;

/** A model directory that cannot be used: missing files, a checksum mismatch, unsupported featurizer settings. */
public final class ModelLoadException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Path directory;

    public ModelLoadException(Path directory, String reason) {
        super(directory + ": " + reason);
        this.directory = directory;
    }

    public ModelLoadException(Path directory, String reason, Throwable cause) {
        super(directory + ": " + reason, cause);
        this.directory = directory;
    }

    public Path directory() {
        return directory;
    }
}
