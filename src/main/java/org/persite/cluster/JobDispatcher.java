package org.persite.cluster;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.delivery.ConsumerController;
import org.apache.pekko.actor.typed.delivery.WorkPullingProducerController;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.persite.server.ServerMetrics;
import org.slf4j.Logger;

/**
 * A front's one producer of stream work: every stream of this node hands its jobs here, and the
 * {@link WorkPullingProducerController} below gives each to a worker that asked for one (workers pull at their own
 * pace). Delivery is at-least-once (a dead worker's unconfirmed jobs go to another), so this actor answers each job
 * <b>once</b>: the first result completes it and is acknowledged; a later one (from a resent job) is acknowledged and
 * dropped. A worker confirms a job to reliable delivery only after its result was acknowledged here.
 */
public final class JobDispatcher {
    private JobDispatcher() {
    }

    /** What the dispatcher takes. */
    public sealed interface Command {
    }

    /** A stream's job to dispatch (local only); {@code replyTo} gets its {@link Outcome}. */
    public record Submit(Job job, ActorRef<Outcome> replyTo) implements Command {
    }

    /**
     * A worker's result for a job: one {@code persite.v1.PredictResponse} (protobuf bytes) per request, in order.
     *
     * @param servedBy the worker's cluster address
     */
    public record JobDone(String jobId, String servedBy, List<byte[]> responses, ActorRef<ResultAck> replyTo) implements Command, ClusterMessage {
    }

    /** The front has the result of {@code jobId}: the worker may confirm it. */
    public record ResultAck(String jobId) implements ClusterMessage {
    }

    private record Next(WorkPullingProducerController.RequestNext<Job> next) implements Command {
    }

    private record TimedOut(String jobId) implements Command {
    }

    /** How a job ended, for the stream that submitted it. */
    public sealed interface Outcome {
    }

    /** The worker's responses (protobuf bytes, one per request, in order). */
    public record Answered(String servedBy, List<byte[]> responses) implements Outcome {
    }

    /** No worker's answer: the queue was full (RESOURCE_EXHAUSTED) or none came in job-timeout (UNAVAILABLE). */
    public record Refused(io.grpc.Status.Code code, String message) implements Outcome {
    }

    /** The service key a front's workers register their consumers under: one key per front, so one producer per key. */
    public static ServiceKey<ConsumerController.Command<Job>> serviceKey(String frontAddress) {
        return ServiceKey.create(ConsumerController.serviceKeyClass(), "persite-jobs@" + frontAddress);
    }

    /**
     * @param frontAddress this node's cluster address (the service key and the producer id)
     */
    public static Behavior<Command> create(ClusterSettings settings, String frontAddress, ServerMetrics metrics) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            ActorRef<WorkPullingProducerController.Command<Job>> producer = ctx.spawn(
                    WorkPullingProducerController.create(Job.class, "front-" + frontAddress, serviceKey(frontAddress), Optional.empty()), "producer");
            ActorRef<WorkPullingProducerController.RequestNext<Job>> next = ctx.messageAdapter(WorkPullingProducerController.requestNextClass(),
                    Next::new);
            producer.tell(new WorkPullingProducerController.Start<>(next));
            return new State(ctx, timers, settings, metrics).behavior();
        }));
    }

    private static final class State {
        private final ActorContext<Command> ctx;
        private final TimerScheduler<Command> timers;
        private final ClusterSettings settings;
        private final ServerMetrics metrics;
        private final Logger log;
        private final ArrayDeque<Job> queue = new ArrayDeque<>();
        private final Map<String, ActorRef<Outcome>> waiting = new HashMap<>();
        private ActorRef<Job> sendNextTo; // a worker has asked for a job and none was sent yet

        State(ActorContext<Command> ctx, TimerScheduler<Command> timers, ClusterSettings settings, ServerMetrics metrics) {
            this.ctx = ctx;
            this.timers = timers;
            this.settings = settings;
            this.metrics = metrics;
            this.log = ctx.getLog();
        }

        Behavior<Command> behavior() {
            return Behaviors.receive(Command.class).onMessage(Submit.class, this::submit).onMessage(Next.class, this::next)
                    .onMessage(JobDone.class, this::done).onMessage(TimedOut.class, this::timedOut).build();
        }

        private Behavior<Command> submit(Submit s) {
            if (queue.size() >= settings.maxQueuedJobs()) {
                metrics.clusterJob("refused");
                s.replyTo().tell(new Refused(io.grpc.Status.Code.RESOURCE_EXHAUSTED, settings.maxQueuedJobs()
                        + " jobs are waiting for a worker (persite.cluster.max-queued-jobs); retry later"));
                return Behaviors.same();
            }
            waiting.put(s.job().id(), s.replyTo());
            timers.startSingleTimer(s.job().id(), new TimedOut(s.job().id()), settings.jobTimeout());
            if (sendNextTo != null) {
                sendNextTo.tell(s.job());
                sendNextTo = null;
            } else {
                queue.addLast(s.job());
            }
            return Behaviors.same();
        }

        private Behavior<Command> next(Next n) {
            Job job = queue.pollFirst();
            if (job != null) {
                n.next().sendNextTo().tell(job);
            } else {
                sendNextTo = n.next().sendNextTo();
            }
            return Behaviors.same();
        }

        private Behavior<Command> done(JobDone d) {
            d.replyTo().tell(new ResultAck(d.jobId()));
            ActorRef<Outcome> to = waiting.remove(d.jobId());
            if (to == null) { // the job was resent (its first worker died or was slow) and answered twice, or it timed out: once only
                metrics.clusterJob("duplicate");
                log.debug("job {}: a second result (from {}) was dropped", d.jobId(), d.servedBy());
                return Behaviors.same();
            }
            timers.cancel(d.jobId());
            metrics.clusterJob("answered");
            to.tell(new Answered(d.servedBy(), d.responses()));
            return Behaviors.same();
        }

        private Behavior<Command> timedOut(TimedOut t) {
            ActorRef<Outcome> to = waiting.remove(t.jobId());
            if (to != null) {
                queue.removeIf(j -> j.id().equals(t.jobId()));
                metrics.clusterJob("timed_out");
                log.warn("job {}: no worker answered in {} (persite.cluster.job-timeout)", t.jobId(), settings.jobTimeout());
                to.tell(new Refused(io.grpc.Status.Code.UNAVAILABLE, "no cluster worker answered in " + settings.jobTimeout()
                        + " (persite.cluster.job-timeout); resend this request"));
            }
            return Behaviors.same();
        }
    }
}
