package org.persite.inference;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * Keeps ONNX Runtime's telemetry off. ONNX Runtime 1.29.0 starts a telemetry client when its environment is
 * created: it tries to send usage data to Microsoft, writes {@code /tmp/mat-debug-<pid>.log} and
 * {@code ~/.cache/Microsoft/DeveloperTools/}, and kills the JVM with SIGSEGV (no crash report) when the process's
 * command line is long (microsoft/onnxruntime#32173, fixed after 1.29.0). Its only opt-out is the environment
 * variable {@value #VARIABLE}{@code =1}, read by native code through {@code getenv(3)}.
 *
 * <p>Every launcher of this project (and the Surefire and Failsafe JVMs) sets it before the JVM starts. For a JVM
 * started another way ({@code java -jar target/persite.jar}), {@link #ensureOff()} sets it in the process's own
 * C environment with {@code setenv(3)} (through JNA) before ONNX Runtime's native library is loaded, and says so in
 * one warning line. Java's own {@link System#getenv()} is a copy taken at start, so it does not see that change,
 * and neither do child processes started by {@link ProcessBuilder}: pass the variable to them explicitly.
 */
public final class OrtTelemetry {
    /** The environment variable that turns ONNX Runtime's telemetry off when it is {@code 1}. */
    public static final String VARIABLE = "ORT_DISABLE_TELEMETRY";

    /** How telemetry came to be off, or that it is not. */
    public enum State {
        /** {@value #VARIABLE}=1 was in the environment the process started with. */
        OFF_FROM_ENVIRONMENT,
        /** The process started without it; persite set it with {@code setenv(3)} before ONNX Runtime loaded. */
        OFF_SET_IN_PROCESS,
        /** It could not be set: ONNX Runtime's telemetry will run. */
        ON
    }

    /** The C library's environment functions. */
    private interface LibC extends Library {
        int setenv(String name, String value, int overwrite);

        String getenv(String name);
    }

    private static State state;
    private static String problem;
    private static boolean warned;

    private OrtTelemetry() {
    }

    /**
     * Makes sure {@value #VARIABLE}=1 is in the process's C environment; call it before anything touches
     * {@code ai.onnxruntime} (the CLI's {@code main} does, and so does {@link OnnxInferenceEngine}'s class
     * initialiser). Idempotent; logs nothing itself: see {@link #warning()}.
     */
    public static synchronized State ensureOff() {
        if (state != null) {
            return state;
        }
        if ("1".equals(System.getenv(VARIABLE))) {
            state = State.OFF_FROM_ENVIRONMENT;
            return state;
        }
        try {
            LibC c = Native.load("c", LibC.class);
            int rc = c.setenv(VARIABLE, "1", 1);
            if (rc == 0 && "1".equals(c.getenv(VARIABLE))) {
                state = State.OFF_SET_IN_PROCESS;
            } else {
                problem = "setenv returned " + rc;
                state = State.ON;
            }
        } catch (LinkageError | RuntimeException e) {
            problem = e.toString();
            state = State.ON;
        }
        return state;
    }

    /** {@link #ensureOff()}, then logs {@link #warning()} once per JVM (at WARN) when there is one. */
    public static synchronized State ensureOffAndWarn(org.slf4j.Logger log) {
        State s = ensureOff();
        String w = warning();
        if (w != null && !warned) {
            warned = true;
            log.warn(w);
        }
        return s;
    }

    /**
     * The one warning line to log at start when the variable was not in the starting environment (what it costs and
     * how to set it), or {@code null} when it was.
     */
    public static synchronized String warning() {
        State s = ensureOff();
        String cost = VARIABLE + " was not 1 in the environment this JVM started with. ONNX Runtime 1.29's telemetry "
                + "sends usage data to Microsoft, writes /tmp/mat-debug-<pid>.log and kills the JVM with SIGSEGV when the "
                + "command line is long; ";
        String fix = "start persite with bin/persite, or run 'export " + VARIABLE + "=1' before java.";
        return switch (s) {
            case OFF_FROM_ENVIRONMENT -> null;
            case OFF_SET_IN_PROCESS -> cost + "persite set it in-process (setenv) before loading ONNX Runtime, but child "
                    + "processes do not inherit that: " + fix;
            case ON -> cost + "persite could not set it in-process (" + problem + "), so telemetry is ON: " + fix;
        };
    }
}
