package org.persite.cluster;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.delivery.ConsumerController;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * One worker slot for one front: a {@link ConsumerController} (registered under the front's key, so the front's
 * producer finds it) and the job it works on. It takes one job at a time, runs it, sends the result to the front and
 * confirms the job to reliable delivery only when the front has acknowledged the result; a worker that dies before
 * that leaves the job unconfirmed, and reliable delivery gives it to another worker.
 */
final class JobWorker {
    private JobWorker() {
    }

    /** Runs a job here: one response (protobuf bytes) per request, in order. */
    @FunctionalInterface
    interface Runner {
        CompletionStage<List<byte[]>> run(Job job);
    }

    sealed interface Command {
    }

    /** SIGTERM: finish the job in hand, then stop (the jobs reliable delivery still holds for this slot go to other workers). */
    record Drain(ActorRef<Done> replyTo) implements Command {
    }

    private record Delivered(ConsumerController.Delivery<Job> delivery) implements Command {
    }

    private record Computed(List<byte[]> responses, Throwable failure) implements Command {
    }

    private record Acked(JobDispatcher.ResultAck ack) implements Command {
    }

    private record AckTimeout(int attempt) implements Command {
    }

    static Behavior<Command> create(ServiceKey<ConsumerController.Command<Job>> key, Runner runner, ClusterSettings settings, String self) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            ActorRef<ConsumerController.Command<Job>> consumer = ctx.spawn(ConsumerController.create(key), "consumer");
            ActorRef<ConsumerController.Delivery<Job>> deliveries = ctx.messageAdapter(ConsumerController.deliveryClass(), Delivered::new);
            consumer.tell(new ConsumerController.Start<>(deliveries));
            return new Slot(ctx, timers, runner, settings, self).idle();
        }));
    }

    private static final class Slot {
        private final ActorContext<Command> ctx;
        private final TimerScheduler<Command> timers;
        private final Runner runner;
        private final ClusterSettings settings;
        private final String self;
        private final ActorRef<JobDispatcher.ResultAck> acks;
        private ActorRef<Done> drainer;

        Slot(ActorContext<Command> ctx, TimerScheduler<Command> timers, Runner runner, ClusterSettings settings, String self) {
            this.ctx = ctx;
            this.timers = timers;
            this.runner = runner;
            this.settings = settings;
            this.self = self;
            this.acks = ctx.messageAdapter(JobDispatcher.ResultAck.class, Acked::new);
        }

        Behavior<Command> idle() {
            return Behaviors.receive(Command.class).onMessage(Delivered.class, this::start).onMessage(Drain.class, d -> {
                d.replyTo().tell(Done.getInstance());
                return Behaviors.stopped();
            }).onAnyMessage(m -> Behaviors.same()).build();
        }

        private Behavior<Command> start(Delivered d) {
            Job job = d.delivery().message();
            ctx.pipeToSelf(runner.run(job), Computed::new);
            return computing(d.delivery());
        }

        private Behavior<Command> computing(ConsumerController.Delivery<Job> delivery) {
            return Behaviors.receive(Command.class).onMessage(Computed.class, c -> {
                if (c.failure() != null) { // the pipeline always answers; this is a defect: leave the job unconfirmed for another worker
                    ctx.getLog().error("job {} failed here: {}", delivery.message().id(), c.failure().toString());
                    return Behaviors.stopped();
                }
                return sendResult(delivery, c.responses(), 0);
            }).onMessage(Drain.class, this::draining).onAnyMessage(m -> Behaviors.same()).build();
        }

        private Behavior<Command> sendResult(ConsumerController.Delivery<Job> delivery, List<byte[]> responses, int attempt) {
            Job job = delivery.message();
            job.replyTo().tell(new JobDispatcher.JobDone(job.id(), self, responses, acks));
            timers.startSingleTimer("ack", new AckTimeout(attempt), settings.resultAckTimeout());
            return Behaviors.receive(Command.class).onMessage(Acked.class, a -> {
                if (!a.ack().jobId().equals(job.id())) {
                    return Behaviors.same();
                }
                timers.cancel("ack");
                return confirm(delivery);
            }).onMessage(AckTimeout.class, t -> {
                if (t.attempt() < settings.resultRetries()) {
                    return sendResult(delivery, responses, t.attempt() + 1);
                }
                ctx.getLog().warn("job {}: the front did not acknowledge its result {} times; confirming it (the front is likely gone)", job.id(),
                        settings.resultRetries() + 1);
                return confirm(delivery);
            }).onMessage(Drain.class, this::draining).onAnyMessage(m -> Behaviors.same()).build();
        }

        private Behavior<Command> confirm(ConsumerController.Delivery<Job> delivery) {
            delivery.confirmTo().tell(ConsumerController.confirmed());
            if (drainer != null) {
                drainer.tell(Done.getInstance());
                return Behaviors.stopped();
            }
            return idle();
        }

        private Behavior<Command> draining(Drain d) {
            drainer = d.replyTo();
            return Behaviors.same();
        }
    }
}
