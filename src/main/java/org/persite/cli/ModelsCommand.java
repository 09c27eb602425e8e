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
@Command(name = "models", mixinStandardHelpOptions = true,
        header = "List a server's models; activate or roll back versions (Admin API).", description = {"List, activate or roll back model versions of a running server (Admin API).",
    "The token is --token or the environment variable PERSITE_ADMIN_TOKEN."},
        subcommands = {ModelsCommand.ListVersions.class, ModelsCommand.Activate.class, ModelsCommand.Rollback.class})
final class ModelsCommand {

    /** Options every subcommand takes. */
    static class Target {
        @Option(names = "--server", paramLabel = "HOST:PORT", defaultValue = "${env:PERSITE_SERVER:-127.0.0.1:50051}",
                description = "The server (default: env PERSITE_SERVER, else ${DEFAULT-VALUE}).")
        String server;

        @Option(names = "--token", description = "Admin token for activate and rollback (default: env PERSITE_ADMIN_TOKEN); list needs none.")
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

    @Command(name = "list", mixinStandardHelpOptions = true, description = {"Every model, sorted by name: active version, versions on disk,",
        "default, properties and units; a cluster's nodes after it. Needs no token (ListModels is open)."})
    static final class ListVersions implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Target target;

        @Option(names = "--json", description = "Print one JSON object: {\"models\": [...], \"nodes\": [...]}.")
        boolean json;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            org.persite.api.v1.ListModelsResponse r;
            try (AdminConnection c = new AdminConnection(target.server, target.token)) {
                r = c.perSite.listModels(ListModelsRequest.getDefaultInstance()).toCompletableFuture().join();
            } catch (RuntimeException e) {
                spec.commandLine().getErr().println("error: " + AdminConnection.describe(e));
                spec.commandLine().getErr().flush();
                return 1;
            }
            java.util.List<ModelInfo> models = r.getModelsList().stream().sorted(java.util.Comparator.comparing(ModelInfo::getName)).toList();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
                com.fasterxml.jackson.databind.node.ObjectNode root = m.createObjectNode();
                com.fasterxml.jackson.databind.node.ArrayNode list = root.putArray("models");
                models.forEach(mi -> list.add(json(m, mi)));
                com.fasterxml.jackson.databind.node.ArrayNode ns = root.putArray("nodes");
                for (org.persite.api.v1.NodeModels n : r.getNodesList()) {
                    com.fasterxml.jackson.databind.node.ObjectNode o = ns.addObject().put("address", n.getAddress());
                    n.getRolesList().forEach(o.putArray("roles")::add);
                    n.getModelsList().forEach(o.putArray("models")::add);
                }
                out.println(root.toString());
            } else {
                table(out, models);
                for (org.persite.api.v1.NodeModels n : r.getNodesList()) { // a cluster: each node's own versions
                    out.printf(Locale.ROOT, "node %s %s%n", n.getAddress(), n.getRolesList());
                    n.getModelsList().forEach(mv -> out.printf(Locale.ROOT, "    %s%n", mv));
                }
            }
            out.flush();
            return 0;
        }

        static com.fasterxml.jackson.databind.node.ObjectNode json(com.fasterxml.jackson.databind.ObjectMapper m, ModelInfo mi) {
            com.fasterxml.jackson.databind.node.ObjectNode o = m.createObjectNode().put("name", mi.getName()).put("active_version", mi.getVersion());
            mi.getAvailableVersionsList().forEach(o.putArray("versions_on_disk")::add);
            o.put("default", mi.getIsDefault());
            com.fasterxml.jackson.databind.node.ArrayNode props = o.putArray("properties");
            mi.getPropertiesList().forEach(p -> props.addObject().put("name", p.getName()).put("unit", p.getUnit()));
            return o;
        }

        /** An aligned table, one model a row. */
        static void table(PrintWriter out, java.util.List<ModelInfo> models) {
            String[] head = {"MODEL", "ACTIVE", "ON DISK", "DEFAULT", "PROPERTIES"};
            java.util.List<String[]> rows = new java.util.ArrayList<>();
            rows.add(head);
            for (ModelInfo m : models) {
                rows.add(new String[] {m.getName(), "v" + m.getVersion(),
                    String.join(",", m.getAvailableVersionsList().stream().map(String::valueOf).toList()), m.getIsDefault() ? "yes" : "",
                    String.join(", ", m.getPropertiesList().stream().map(p -> p.getName() + " [" + p.getUnit() + "]").toList())});
            }
            int[] width = new int[head.length];
            for (String[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    width[i] = Math.max(width[i], row[i].length());
                }
            }
            for (String[] row : rows) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < row.length; i++) {
                    line.append(i == row.length - 1 ? row[i] : String.format(Locale.ROOT, "%-" + (width[i] + 2) + "s", row[i]));
                }
                out.println(line.toString().stripTrailing());
            }
        }
    }

    @Command(name = "activate", mixinStandardHelpOptions = true, description = "Make a version live (load, warm, gate, switch).")
    static final class Activate implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Target target;

        @Parameters(index = "0", paramLabel = "MODEL", description = "The model's name (magmom).")
        String model;

        @Parameters(index = "1", paramLabel = "VERSION", description = "The version to make live: a folder models/MODEL/VERSION on the server.")
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

        @Parameters(index = "0", paramLabel = "MODEL", description = "The model's name (magmom): it goes back to the version active before.")
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
