package org.persite.cluster;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The cluster singleton that swaps a model version on every node at once, in two phases, one swap at a time.
 * <ol>
 *   <li><b>Prepare:</b> every node ({@link NodeControl}) loads, warms and gates the version. Any refusal, any node not
 *       answering in {@code swap.prepare-timeout}, or any node becoming unreachable aborts the swap: every node drops the
 *       staged version and the old one serves on everywhere.</li>
 *   <li><b>Commit:</b> the version is written to Distributed Data ({@link PinnedVersions#KEY}) with a majority write, then
 *       every node commits it (fronts pin new jobs to it; workers keep the old version for jobs pinned to it).</li>
 * </ol>
 * The answer comes once every node has committed, so after it every node serves the new version to new requests.
 */
final class SwapCoordinator {
    private SwapCoordinator() {
    }

    sealed interface Command {
    }

    /** Swap {@code model} to {@code version} on every node; {@code rollback} marks a rollback (history and gate). */
    record Swap(String model, int version, boolean force, boolean rollback, ActorRef<SwapResult> replyTo) implements Command, ClusterMessage {
    }

    /** How a swap ended: {@code message} names the node and its reason when it did not happen. */
    record SwapResult(boolean ok, String message) implements ClusterMessage {
    }

    private record Nodes(Receptionist.Listing listing) implements Command {
    }

    private record Answered(NodeControl.Answer answer) implements Command {
    }

    private record Written(boolean ok, String message) implements Command {
    }

    private record Unreachable(Address node) implements Command {
    }

    static Behavior<Command> create(ClusterSettings settings) {
        return Behaviors.setup(ctx -> Behaviors.withStash(256, stash -> DistributedData.<Command, LWWMap<String, Integer>>withReplicatorMessageAdapter(dd -> {
            ActorRef<ClusterEvent.UnreachableMember> u = ctx.messageAdapter(ClusterEvent.UnreachableMember.class, e -> new Unreachable(e.member().address()));
            ActorRef<ClusterEvent.MemberRemoved> r = ctx.messageAdapter(ClusterEvent.MemberRemoved.class, e -> new Unreachable(e.member().address()));
            Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(u, ClusterEvent.UnreachableMember.class));
            Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(r, ClusterEvent.MemberRemoved.class));
            return new Coordinator(ctx, stash, dd, settings).idle();
        })));
    }

    private static final class Coordinator {
        private final ActorContext<Command> ctx;
        private final StashBuffer<Command> stash;
        private final ReplicatorMessageAdapter<Command, LWWMap<String, Integer>> dd;
        private final ClusterSettings settings;
        private final SelfUniqueAddress selfUnique;
        private final Address selfAddress;

        Coordinator(ActorContext<Command> ctx, StashBuffer<Command> stash, ReplicatorMessageAdapter<Command, LWWMap<String, Integer>> dd,
                ClusterSettings settings) {
            this.ctx = ctx;
            this.stash = stash;
            this.dd = dd;
            this.settings = settings;
            this.selfUnique = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
            this.selfAddress = Cluster.get(ctx.getSystem()).selfMember().address();
        }

        Behavior<Command> idle() {
            return Behaviors.receive(Command.class).onMessage(Swap.class, s -> {
                ActorRef<Receptionist.Listing> listing = ctx.messageAdapter(Receptionist.Listing.class, Nodes::new);
                ctx.getSystem().receptionist().tell(Receptionist.find(NodeControl.KEY, listing));
                return finding(s);
            }).onAnyMessage(m -> Behaviors.same()).build();
        }

        private Behavior<Command> finding(Swap s) {
            return Behaviors.receive(Command.class).onMessage(Nodes.class, n -> {
                List<ActorRef<NodeControl.Command>> nodes = new ArrayList<>(n.listing().getServiceInstances(NodeControl.KEY));
                if (nodes.isEmpty()) {
                    return finish(s, new SwapResult(false, "no cluster node is ready to serve it"));
                }
                String id = UUID.randomUUID().toString();
                ctx.getLog().info("swap {}: {} v{} on {} nodes: phase 1 (load, warm, gate)", id, s.model(), s.version(), nodes.size());
                for (ActorRef<NodeControl.Command> node : nodes) {
                    String name = address(node).toString();
                    ctx.ask(NodeControl.Answer.class, node, settings.prepareTimeout(),
                            rt -> new NodeControl.Prepare(id, s.model(), s.version(), s.force(), s.rollback(), rt),
                            (a, e) -> new Answered(a != null ? a : new NodeControl.Answer(id, name, false, "did not answer in "
                                    + settings.prepareTimeout() + " (persite.cluster.swap.prepare-timeout)")));
                }
                return preparing(s, id, nodes, new HashSet<>());
            }).onMessage(Swap.class, this::later).onAnyMessage(m -> Behaviors.same()).build();
        }

        private Behavior<Command> preparing(Swap s, String id, List<ActorRef<NodeControl.Command>> nodes, Set<String> ready) {
            return Behaviors.receive(Command.class).onMessage(Answered.class, a -> {
                if (!a.answer().swapId().equals(id)) {
                    return Behaviors.same();
                }
                if (!a.answer().ok()) {
                    return abort(s, id, nodes, "node " + a.answer().node() + " refused " + s.model() + " v" + s.version() + ": " + a.answer().message());
                }
                ready.add(a.answer().node());
                if (ready.size() < nodes.size()) {
                    return Behaviors.same();
                }
                ctx.getLog().info("swap {}: every node is ready; writing {} v{} with a majority", id, s.model(), s.version());
                dd.askUpdate(rt -> new Replicator.Update<>(PinnedVersions.KEY, LWWMap.empty(), new Replicator.WriteMajority(settings.commitTimeout()), rt,
                        m -> m.put(selfUnique, s.model(), s.version())), rsp -> new Written(rsp instanceof Replicator.UpdateSuccess, rsp.toString()));
                return writing(s, id, nodes);
            }).onMessage(Unreachable.class, u -> {
                for (ActorRef<NodeControl.Command> n : nodes) {
                    if (address(n).equals(u.node())) {
                        return abort(s, id, nodes, "node " + u.node() + " became unreachable during phase 1");
                    }
                }
                return Behaviors.same();
            }).onMessage(Swap.class, this::later).onAnyMessage(m -> Behaviors.same()).build();
        }

        private Behavior<Command> writing(Swap s, String id, List<ActorRef<NodeControl.Command>> nodes) {
            return Behaviors.receive(Command.class).onMessage(Written.class, w -> {
                if (!w.ok()) { // every node has the version gated: commit anyway; the value reaches the others by gossip
                    ctx.getLog().warn("swap {}: the majority write did not complete ({}); committing, the value spreads by gossip", id, w.message());
                }
                for (ActorRef<NodeControl.Command> node : nodes) {
                    String name = address(node).toString();
                    ctx.ask(NodeControl.Answer.class, node, settings.commitTimeout(), rt -> new NodeControl.Commit(id, s.model(), s.version(), s.rollback(), rt),
                            (a, e) -> new Answered(a != null ? a : new NodeControl.Answer(id, name, false, "did not answer in " + settings.commitTimeout())));
                }
                return committing(s, id, nodes, new ArrayList<>(), new ArrayList<>());
            }).onMessage(Swap.class, this::later).onAnyMessage(m -> Behaviors.same()).build();
        }

        private Behavior<Command> committing(Swap s, String id, List<ActorRef<NodeControl.Command>> nodes, List<String> done, List<String> failed) {
            return Behaviors.receive(Command.class).onMessage(Answered.class, a -> {
                if (!a.answer().swapId().equals(id)) {
                    return Behaviors.same();
                }
                (a.answer().ok() ? done : failed).add(a.answer().node() + (a.answer().ok() ? "" : ": " + a.answer().message()));
                if (done.size() + failed.size() < nodes.size()) {
                    return Behaviors.same();
                }
                if (failed.isEmpty()) {
                    ctx.getLog().info("swap {}: {} v{} is active on all {} nodes", id, s.model(), s.version(), nodes.size());
                    return finish(s, new SwapResult(true, ""));
                }
                ctx.getLog().error("swap {}: {} v{} committed on {} nodes, not on {}", id, s.model(), s.version(), done.size(), failed);
                return finish(s, new SwapResult(false, s.model() + " v" + s.version() + " is active on " + done.size() + " nodes but not on " + failed));
            }).onMessage(Swap.class, this::later).onAnyMessage(m -> Behaviors.same()).build();
        }

        private Behavior<Command> abort(Swap s, String id, List<ActorRef<NodeControl.Command>> nodes, String why) {
            nodes.forEach(n -> n.tell(new NodeControl.Abort(id, s.model(), s.version())));
            ctx.getLog().warn("swap {}: aborted, the old version serves on everywhere: {}", id, why);
            return finish(s, new SwapResult(false, "the swap was aborted and the old version serves on: " + why));
        }

        private Behavior<Command> finish(Swap s, SwapResult result) {
            s.replyTo().tell(result);
            return stash.unstashAll(idle());
        }

        private Behavior<Command> later(Swap s) {
            if (stash.isFull()) {
                s.replyTo().tell(new SwapResult(false, "too many swaps are waiting; retry later"));
            } else {
                stash.stash(s);
            }
            return Behaviors.same();
        }

        private Address address(ActorRef<?> ref) {
            Address a = ref.path().address();
            return a.hasGlobalScope() ? a : selfAddress;
        }
    }
}
