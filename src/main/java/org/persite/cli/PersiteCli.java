package org.persite.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code persite}: the one runnable entry point. Exit codes: 0 when every input was handled, 1 when some
 * structure was refused (the others are still printed), 2 for a usage error.
 */
@Command(name = "persite", mixinStandardHelpOptions = true, versionProvider = PersiteCli.Versions.class,
        description = "Per-site CGCNN for crystals: read structures, build crystal graphs, predict per-site properties.",
        subcommands = {ServeCommand.class, ModelsCommand.class, org.persite.loadtest.LoadTestCommand.class, ParseCommand.class, GraphCommand.class, PredictCommand.class, TrainCommand.class, TrainWorkerCommand.class, EvaluateCommand.class, EnsembleCommand.class, CalibrateCommand.class, picocli.AutoComplete.GenerateCompletion.class,
            CommandLine.HelpCommand.class})
public final class PersiteCli {

    /** persite --version: the build, the libraries it runs on, and the default model. */
    static final class Versions implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            org.persite.config.BuildInfo b = org.persite.config.BuildInfo.current();
            String model;
            try {
                com.typesafe.config.Config c = org.persite.config.PersiteConfig.load().section();
                java.nio.file.Path dir = java.nio.file.Path.of(c.getString("models.directory"), c.getString("models.default"));
                java.nio.file.Path v = org.persite.model.ModelDirectory.resolve(dir);
                model = c.getString("models.default") + " v" + v.getFileName() + " (" + dir + ")";
            } catch (Exception e) {
                model = "none loadable here (" + e.getMessage() + ")";
            }
            return new String[] {"persite " + b.version() + " (commit " + b.commitLabel() + ", " + b.commitTime() + ")",
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ", " + System.getProperty("os.arch") + ")",
                "ONNX Runtime " + b.onnxRuntime() + ", DJL " + b.djl() + ", Apache Pekko " + b.pekko(),
                "default model: " + model};
        }
    }

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
        return commandLine().execute(args);
    }

    /** The command line with persite's parsing rules: enum values in any case ("--input-format cif"). */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new PersiteCli());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    /** Runs the CLI with its output and error streams redirected (for tests and embedding). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }
}
