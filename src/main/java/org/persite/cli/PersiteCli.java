package org.persite.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code persite}: the one runnable entry point. Exit codes: 0 when every input was handled, 1 when some
 * structure was refused (the others are still printed), 2 for a usage error.
 */
@Command(name = "persite", mixinStandardHelpOptions = true, version = "persite 0.1.0",
        description = "Per-site CGCNN for crystals: read structures, build crystal graphs, predict per-site properties.",
        subcommands = {ServeCommand.class, ModelsCommand.class, org.persite.loadtest.LoadTestCommand.class, ParseCommand.class, GraphCommand.class, PredictCommand.class, TrainCommand.class, TrainWorkerCommand.class, EvaluateCommand.class, EnsembleCommand.class, CalibrateCommand.class, CommandLine.HelpCommand.class})
public final class PersiteCli {

    public static void main(String[] args) {
        // first of all, before ONNX Runtime's native library can load: its telemetry off (see OrtTelemetry)
        org.persite.inference.OrtTelemetry.ensureOff();
        // start logging on this thread, before any actor system logs from its own threads
        org.slf4j.LoggerFactory.getILoggerFactory();
        org.persite.inference.OrtTelemetry.ensureOffAndWarn(org.slf4j.LoggerFactory.getLogger(PersiteCli.class));
        SignalShutdown.install();
        SignalShutdown.exit(run(args));
    }

    /** Runs the CLI without exiting the JVM; returns the exit code. */
    public static int run(String... args) {
        return new CommandLine(new PersiteCli()).execute(args);
    }

    /** Runs the CLI with its output and error streams redirected (for tests and embedding). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new PersiteCli());
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }
}
