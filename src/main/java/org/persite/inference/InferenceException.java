package org.persite.inference;

/** A batch that the engine could not compute. */
public final class InferenceException extends Exception {
    private static final long serialVersionUID = 1L;

    public InferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
