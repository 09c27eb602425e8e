package org.persite.cli;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import org.persite.inference.OnnxInferenceEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What SIGTERM, SIGINT (Ctrl-C) and SIGHUP do to a persite process, in this order: the stop actions the running
 * command registered (the server's graceful drain), then every ONNX Runtime session is let finish and closed to new
 * work, then the JVM exits with 128 + the signal's number. A second signal while that runs exits at once.
 *
 * <p>The JVM's default (shutdown hooks only) is not safe here: ONNX Runtime's own hook frees its native
 * environment while other hooks may still be draining work that uses it, which killed the JVM with SIGSEGV.
 * {@link #exit} is the same path for a normal end.
 */
final class SignalShutdown {
    private static final Logger LOG = LoggerFactory.getLogger(SignalShutdown.class);
    /** How long a signal or exit waits for ONNX Runtime runs in flight (one batch) before exiting anyway. */
    private static final Duration RUNS_IN_FLIGHT = Duration.ofSeconds(30);

    private static final Deque<Runnable> STOP_ACTIONS = new ArrayDeque<>();
    private static final CountDownLatch STOPPED = new CountDownLatch(1);
    private static volatile int signalExit;
    private static volatile boolean installed;
    private static long firstSignalNanos;
    /** A second signal this soon after the first is the same stop delivered twice, not a request to hurry. */
    private static final Duration DUPLICATE_WINDOW = Duration.ofSeconds(2);

    private SignalShutdown() {
    }

    /** Installs the handlers; a signal the JVM cannot handle (one ignored at start) keeps its default. */
    @SuppressWarnings("removal")
    static void install() {
        for (String name : new String[] {"TERM", "INT", "HUP"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), SignalShutdown::onSignal);
            } catch (IllegalArgumentException e) {
                LOG.debug("SIG{} keeps its default handling: {}", name, e.getMessage());
            }
        }
        installed = true;
    }

    /** Runs {@code action} (blocking until it is done) when a signal stops the process; the last registered runs first. */
    static synchronized void onStop(Runnable action) {
        if (installed) { // not when the CLI runs embedded (tests): no handler would ever run it
            STOP_ACTIONS.push(action);
        }
    }

    private static void onSignal(sun.misc.Signal signal) {
        int code = 128 + signal.getNumber();
        synchronized (SignalShutdown.class) {
            if (signalExit != 0) {
                // the same stop often arrives twice at once (bin/persite forwards it, and pkill or systemd's
                // control-group kill also sends it to the JVM): only a signal sent later means "now"
                if (System.nanoTime() - firstSignalNanos < DUPLICATE_WINDOW.toNanos()) {
                    LOG.debug("SIG{} again within {}: already stopping", signal.getName(), DUPLICATE_WINDOW);
                    return;
                }
                LOG.warn("second SIG{}: exiting now, without draining", signal.getName());
                Runtime.getRuntime().halt(signalExit);
            }
            signalExit = code;
            firstSignalNanos = System.nanoTime();
        }
        LOG.info("SIG{}: stopping", signal.getName());
        Runnable action;
        while ((action = nextAction()) != null) {
            try {
                action.run();
            } catch (RuntimeException e) {
                LOG.warn("a stop action failed: {}", e.toString());
            }
        }
        OnnxInferenceEngine.quiesceForExit(RUNS_IN_FLIGHT);
        STOPPED.countDown();
        System.exit(code);
    }

    private static synchronized Runnable nextAction() {
        return STOP_ACTIONS.poll();
    }

    /**
     * Exits the JVM with {@code code} once no ONNX Runtime session runs; when a signal is already stopping the
     * process, waits for that and exits with its code instead.
     */
    static void exit(int code) {
        if (signalExit != 0) {
            try {
                STOPPED.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            code = signalExit;
        }
        OnnxInferenceEngine.quiesceForExit(RUNS_IN_FLIGHT);
        System.exit(code);
    }
}
