package org.persite.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.persite.api.v1.ActivateRequest;
import org.persite.api.v1.ListModelsRequest;
import org.persite.api.v1.ModelInfo;
import org.persite.api.v1.RollbackRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code persite models list|activate|rollback --server HOST:PORT}: the model versions of a running server. */
@Command(name = "models", mixinStandardHelpOptions = true, description = {"List, activate or roll back model versions of a running server (Admin API).",
    "The token is --token or the environment variable PERSITE_ADMIN_TOKEN."},
        subcommands = {ModelsCommand.ListVersions.class, ModelsCommand.Activate.class, ModelsCommand.Rollback.class})
final class ModelsCommand {

    /** Options every subcommand takes. */
    static class Target {
        @Option(names = "--server", required = true, paramLabel = "HOST:PORT", description = "The server.")
        String server;

        @Option(names = "--token", description = "Admin token (default: env PERSITE_ADMIN_TOKEN).")
        String token;
    }

    /** Runs one Admin call and prints the models it returns; a failed call is one 'error:' line and exit code 1. */
    static int call(Target target, CommandSpec spec, java.util.function.Function<AdminConnection, java.util.List<ModelInfo>> rpc) {
        try (AdminConnection c = new AdminConnection(target.server, target.token)) {
            PrintWriter out = spec.commandLine().getOut();
            rpc.apply(c).forEach(m -> print(out, m));
            out.flush();
            return 0;
        } catch (RuntimeException e) {
            spec.commandLine().getErr().println("error: " + AdminConnection.describe(e));
            spec.commandLine().getErr().flush();
            return 1;
        }
    }

    static void print(PrintWriter out, ModelInfo m) {
        out.printf(Locale.ROOT, "%s  active v%d  on disk %s%s  %s%n", m.getName(), m.getVersion(), m.getAvailableVersionsList(),
                m.getIsDefault() ? "  (default)" : "", m.getPropertiesList().stream().map(p -> p.getName() + " [" + p.getUnit() + "]").toList());
        if (!m.getGate().isEmpty()) {
            out.printf(Locale.ROOT, "    gate: %s%n", m.getGate());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Every model: active version, versions on disk, properties.")
    static final class ListVersions implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Target target;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            java.util.List<org.persite.api.v1.NodeModels> nodes = new java.util.ArrayList<>();
            int rc = ModelsCommand.call(target, spec, c -> {
                org.persite.api.v1.ListModelsResponse r = c.admin.listVersions().addHeader("authorization", c.authorization)
                        .invoke(ListModelsRequest.getDefaultInstance()).toCompletableFuture().join();
                nodes.addAll(r.getNodesList());
                return r.getModelsList();
            });
            PrintWriter out = spec.commandLine().getOut();
            for (org.persite.api.v1.NodeModels n : nodes) { // a cluster: each node's own versions
                out.printf(Locale.ROOT, "node %s %s%n", n.getAddress(), n.getRolesList());
                n.getModelsList().forEach(m -> out.printf(Locale.ROOT, "    %s%n", m));
            }
            out.flush();
            return rc;
        }
    }

    @Command(name = "activate", mixinStandardHelpOptions = true, description = "Make a version live (load, warm, gate, switch).")
    static final class Activate implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Target target;

        @Parameters(index = "0", paramLabel = "MODEL")
        String model;

        @Parameters(index = "1", paramLabel = "VERSION")
        int version;

        @picocli.CommandLine.Option(names = "--force", description = "Make it live even if the gate finds it worse than the active version (logged as forced).")
        boolean force;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            return ModelsCommand.call(target, spec, c -> java.util.List.of(c.admin.activate().addHeader("authorization", c.authorization)
                    .invoke(ActivateRequest.newBuilder().setModel(model).setVersion(version).setForce(force).build()).toCompletableFuture().join()));
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true, description = "Go back to the previously active version.")
    static final class Rollback implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Target target;

        @Parameters(index = "0", paramLabel = "MODEL")
        String model;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            return ModelsCommand.call(target, spec, c -> java.util.List.of(c.admin.rollback().addHeader("authorization", c.authorization)
                    .invoke(RollbackRequest.newBuilder().setModel(model).build()).toCompletableFuture().join()));
        }
    }
}
