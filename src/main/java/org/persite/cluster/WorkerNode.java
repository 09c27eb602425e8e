package org.persite.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * A worker node's side of stream work: for every front in the cluster (this node too, when it is one), a set of
 * {@link JobWorker} slots that pull that front's jobs; slots come when a front is up and go when it leaves.
 */
final class WorkerNode {
    private WorkerNode() {
    }

    sealed interface Command {
    }

    /** SIGTERM: every slot finishes its job in hand and stops; {@code replyTo} hears when all have. */
    record Drain(ActorRef<Done> replyTo) implements Command {
    }

    private record MemberChange(ClusterEvent.MemberEvent event) implements Command {
    }

    private record SlotDrained() implements Command {
    }

    static Behavior<Command> create(ClusterSettings settings, JobWorker.Runner runner, String self) {
        return Behaviors.setup(ctx -> {
            ActorRef<ClusterEvent.MemberEvent> events = ctx.messageAdapter(ClusterEvent.MemberEvent.class, MemberChange::new);
            Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(events, ClusterEvent.MemberEvent.class));
            return new Node(ctx, settings, runner, self).running();
        });
    }

    private static final class Node {
        private final ActorContext<Command> ctx;
        private final ClusterSettings settings;
        private final JobWorker.Runner runner;
        private final String self;
        private final Map<Address, List<ActorRef<JobWorker.Command>>> slots = new HashMap<>();
        private int fronts;

        Node(ActorContext<Command> ctx, ClusterSettings settings, JobWorker.Runner runner, String self) {
            this.ctx = ctx;
            this.settings = settings;
            this.runner = runner;
            this.self = self;
        }

        Behavior<Command> running() {
            return Behaviors.receive(Command.class).onMessage(MemberChange.class, this::member).onMessage(Drain.class, this::drain).build();
        }

        private Behavior<Command> member(MemberChange change) {
            Member m = change.event().member();
            if (change.event() instanceof ClusterEvent.MemberUp && m.hasRole(ClusterSettings.FRONT) && !slots.containsKey(m.address())) {
                int f = ++fronts;
                List<ActorRef<JobWorker.Command>> list = new ArrayList<>();
                for (int i = 0; i < settings.workerSlots(); i++) { // names: the large-message lane matches /user/cluster-worker/*/consumer
                    list.add(ctx.spawn(JobWorker.create(JobDispatcher.serviceKey(m.address().toString()), runner, settings, self),
                            "front" + f + "-slot" + i));
                }
                slots.put(m.address(), list);
                ctx.getLog().info("taking jobs from front {} ({} slots)", m.address(), list.size());
            } else if (change.event() instanceof ClusterEvent.MemberRemoved || change.event() instanceof ClusterEvent.MemberExited) {
                List<ActorRef<JobWorker.Command>> gone = slots.remove(m.address());
                if (gone != null) {
                    gone.forEach(ctx::stop);
                    ctx.getLog().info("front {} left: its {} slots stopped", m.address(), gone.size());
                }
            }
            return Behaviors.same();
        }

        private Behavior<Command> drain(Drain d) {
            List<ActorRef<JobWorker.Command>> all = slots.values().stream().flatMap(List::stream).toList();
            ctx.getLog().info("draining: {} slots finish the jobs in hand", all.size());
            if (all.isEmpty()) {
                d.replyTo().tell(Done.getInstance());
                return Behaviors.stopped();
            }
            ActorRef<Done> drained = ctx.messageAdapter(Done.class, x -> new SlotDrained());
            all.forEach(s -> s.tell(new JobWorker.Drain(drained)));
            int[] left = {all.size()};
            return Behaviors.receive(Command.class).onMessage(SlotDrained.class, x -> {
                if (--left[0] == 0) {
                    ctx.getLog().info("drained: every slot's job in hand is answered");
                    d.replyTo().tell(Done.getInstance());
                    return Behaviors.stopped();
                }
                return Behaviors.same();
            }).onAnyMessage(m -> Behaviors.same()).build();
        }
    }
}
