package org.persite.inference;

import java.util.Locale;

/** Where ONNX Runtime computes ({@code persite.inference.device}). */
public enum Device {
    /** The CPU execution provider (the default). */
    CPU,
    /** The CUDA execution provider; needs the {@code cuda} Maven profile (onnxruntime_gpu) and a GPU. */
    CUDA,
    /** CUDA when it starts, else CPU. */
    AUTO;

    public static Device parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("persite.inference.device must be cpu, cuda or auto, got '" + s + "'");
        }
    }
}
