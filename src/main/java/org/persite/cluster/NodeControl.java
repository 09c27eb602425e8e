package org.persite.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.persite.server.ModelRegistry;
import org.persite.server.ServedModel;

/**
 * This node's part in a cluster-wide swap, as the {@link SwapCoordinator} asks: stage a version (load, warm, gate;
 * phase 1), commit it (phase 2) or abort it. It also says which versions this node holds. The registry's work runs on
 * the blocking dispatcher, never here.
 */
final class NodeControl {
    private NodeControl() {
    }

    /** Every node's control actor registers under this key. */
    static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "persite-node");

    sealed interface Command {
    }

    /** Phase 1: load, warm and gate {@code model} v{@code version} here, serving it only to jobs pinned to it. */
    record Prepare(String swapId, String model, int version, boolean force, boolean rollback, ActorRef<Answer> replyTo) implements Command, ClusterMessage {
    }

    /** Phase 2: the staged version becomes this node's active one. */
    record Commit(String swapId, String model, int version, boolean rollback, ActorRef<Answer> replyTo) implements Command, ClusterMessage {
    }

    /** The swap is off: the staged version closes. */
    record Abort(String swapId, String model, int version) implements Command, ClusterMessage {
    }

    /** What this node holds. */
    record Describe(ActorRef<Holdings> replyTo) implements Command, ClusterMessage {
    }

    /** A node's answer to Prepare or Commit: {@code message} says why not when {@code ok} is false. */
    record Answer(String swapId, String node, boolean ok, String message) implements ClusterMessage {
    }

    /** A node's versions: one line per model, for example "magmom: v3 active; v2 (draining)". */
    record Holdings(String node, List<String> roles, List<String> models) implements ClusterMessage {
    }

    private record Finished(Answer answer, ActorRef<Answer> replyTo) implements Command {
    }

    /** Registry work that may refuse (with the reason). */
    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    /** Runs {@code step} on the blocking dispatcher and answers {@code replyTo} with its outcome. */
    private static void answer(org.apache.pekko.actor.typed.javadsl.ActorContext<Command> ctx, scala.concurrent.ExecutionContextExecutor blocking,
            String self, String swapId, ActorRef<Answer> replyTo, Step step) {
        ctx.pipeToSelf(CompletableFuture.supplyAsync(() -> {
            try {
                step.run();
                return new Answer(swapId, self, true, "");
            } catch (Exception e) {
                return new Answer(swapId, self, false, e.getMessage());
            }
        }, blocking), (a, e) -> new Finished(a != null ? a : new Answer(swapId, self, false, String.valueOf(e)), replyTo));
    }

    static Behavior<Command> create(ModelRegistry registry, PinnedVersions pinned, scala.concurrent.ExecutionContextExecutor blocking, Duration drainGrace, String self,
            List<String> roles) {
        return Behaviors.setup(ctx -> {
            ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
            return Behaviors.receive(Command.class).onMessage(Prepare.class, p -> {
                ctx.getLog().info("swap {}: staging {} v{} here (phase 1)", p.swapId(), p.model(), p.version());
                answer(ctx, blocking, self, p.swapId(), p.replyTo(), () -> registry.stage(p.model(), p.version(), p.force(), p.rollback()));
                return Behaviors.same();
            }).onMessage(Commit.class, c -> {
                answer(ctx, blocking, self, c.swapId(), c.replyTo(), () -> {
                    registry.commit(c.model(), c.version(), c.rollback(), drainGrace,
                            (delay, task) -> ctx.getSystem().scheduler().scheduleOnce(delay, task, blocking));
                    pinned.set(c.model(), c.version());
                });
                return Behaviors.same();
            }).onMessage(Abort.class, a -> {
                CompletableFuture.runAsync(() -> registry.abort(a.model(), a.version()), blocking);
                return Behaviors.same();
            }).onMessage(Describe.class, d -> {
                List<String> lines = new ArrayList<>();
                for (ServedModel m : registry.all()) {
                    List<String> others = registry.otherLoadedVersions(m.name());
                    lines.add(m.name() + ": v" + m.version() + " active" + (others.isEmpty() ? "" : "; " + String.join(", ", others)));
                }
                d.replyTo().tell(new Holdings(self, roles, lines));
                return Behaviors.same();
            }).onMessage(Finished.class, f -> {
                f.replyTo().tell(f.answer());
                return Behaviors.same();
            }).build();
        });
    }
}
