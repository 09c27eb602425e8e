package org.persite.server;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.persite.train.CgcnnTrainer;
import org.persite.train.TrainingJob;

/**
 * Runs training jobs inside the server, one at a time, on its own dispatcher ({@link #DISPATCHER}), so that
 * serving never waits for it. A second job is refused or queued ({@code persite.training.when-busy}).
 *
 * <p>Supervision: a job that throws or diverges (a loss that is not finite) ends with {@link Failed} on its
 * listener, and the trainer then fails on purpose so that its supervisor restarts it with backoff (a clean
 * state after an engine error); jobs queued behind it are told to resubmit. A cancelled job is not a crash.
 */
public final class TrainerActor extends AbstractBehavior<TrainerActor.Command> {
    /** The config path of the training dispatcher. */
    public static final String DISPATCHER = "persite.training.dispatcher";

    /** The trainer's protocol. */
    public sealed interface Command permits Start, Cancel, JobEvent, JobEnded {
    }

    /** Train; every {@link Event} of the job goes to {@code events}, ending with {@link Finished} or {@link Failed}. */
    public record Start(String jobId, TrainingJob.Request request, boolean activate, ActorRef<Event> events) implements Command {
    }

    /** Stop a running or queued job; replies whether there was one. */
    public record Cancel(String jobId, ActorRef<Boolean> replyTo) implements Command {
    }

    private record JobEvent(String jobId, Event event) implements Command {
    }

    private record JobEnded(String jobId, Event last, boolean crashed) implements Command {
    }

    /** What a job's listener hears. */
    public sealed interface Event permits Queued, Started, Epoch, Finished, Failed {
        String jobId();
    }

    public record Queued(String jobId, int position) implements Event {
    }

    public record Started(String jobId, int structures, int skipped, double datasetSeconds) implements Event {
    }

    public record Epoch(String jobId, CgcnnTrainer.EpochReport report) implements Event {
    }

    /**
     * The job's result.
     *
     * @param activated whether the new version is live
     * @param activationMessage why not, when it is not
     */
    public record Finished(String jobId, TrainingJob.Outcome outcome, boolean activated, String activationMessage) implements Event {
    }

    public record Failed(String jobId, String message, boolean cancelled) implements Event {
    }

    /** Runs one job (the real one trains with DJL; see {@link PersiteServer}). */
    @FunctionalInterface
    public interface Runner {
        TrainingJob.Outcome run(TrainingJob.Request request, TrainingJob.Listener listener, java.util.function.BooleanSupplier cancelled)
                throws Exception;
    }

    /** Makes a trained version live; returns null when it is live, or the reason it is not. */
    @FunctionalInterface
    public interface Activator {
        String activate(TrainingJob.Outcome outcome);
    }

    /** Thrown on purpose after a job crashed, so that the supervisor restarts the trainer with backoff. */
    static final class JobCrashed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        JobCrashed(String message) {
            super(message);
        }
    }

    private record Pending(Start start, AtomicBoolean cancelled) {
    }

    private final Runner runner;
    private final Activator activator;
    private final int maxQueued;
    private final Executor executor;
    private final Deque<Pending> queue = new ArrayDeque<>();
    private Pending running;

    /**
     * @param maxQueued jobs that may wait behind the running one; 0 refuses a second job
     * @param minBackoff first restart delay after a crash (doubling up to {@code maxBackoff})
     */
    public static Behavior<Command> create(Runner runner, Activator activator, int maxQueued, Duration minBackoff, Duration maxBackoff) {
        return create(runner, activator, maxQueued, minBackoff, maxBackoff, (model, e) -> {
        });
    }

    /** Sees every event of every job, with its model's name (the server's training metrics); called on the actor's thread, so it must be quick. */
    @FunctionalInterface
    public interface Observer {
        void event(String model, Event e);
    }

    /** As above, with an {@link Observer} of every job's events. */
    public static Behavior<Command> create(Runner runner, Activator activator, int maxQueued, Duration minBackoff, Duration maxBackoff,
            Observer observer) {
        Behavior<Command> trainer = Behaviors.setup(ctx -> new TrainerActor(ctx, runner, activator, maxQueued, observer));
        return Behaviors.supervise(trainer).onFailure(JobCrashed.class, SupervisorStrategy.restartWithBackoff(minBackoff, maxBackoff, 0.2));
    }

    private final Observer observer;

    private TrainerActor(ActorContext<Command> ctx, Runner runner, Activator activator, int maxQueued, Observer observer) {
        super(ctx);
        this.observer = observer;
        this.runner = runner;
        this.activator = activator;
        this.maxQueued = maxQueued;
        this.executor = ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(DISPATCHER));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Start.class, this::onStart)
                .onMessage(Cancel.class, this::onCancel)
                .onMessage(JobEvent.class, this::onJobEvent)
                .onMessage(JobEnded.class, this::onJobEnded)
                .build();
    }

    private Behavior<Command> onStart(Start s) {
        if (running == null) {
            launch(new Pending(s, new AtomicBoolean()));
        } else if (queue.size() < maxQueued) {
            queue.add(new Pending(s, new AtomicBoolean()));
            s.events().tell(new Queued(s.jobId(), queue.size()));
        } else {
            s.events().tell(new Failed(s.jobId(), "a training job is already running (" + running.start().jobId() + ")"
                    + (maxQueued > 0 ? " and " + maxQueued + " wait behind it" : "") + "; persite.training.when-busy refuses more", false));
        }
        return this;
    }

    private void launch(Pending p) {
        running = p;
        String id = p.start().jobId();
        ActorRef<Command> self = getContext().getSelf();
        TrainingJob.Listener listener = new TrainingJob.Listener() {
            @Override
            public void datasetRead(int structures, int skipped, int refused, double seconds) {
                self.tell(new JobEvent(id, new Started(id, structures, skipped + refused, seconds)));
            }

            @Override
            public void epoch(CgcnnTrainer.EpochReport report) {
                self.tell(new JobEvent(id, new Epoch(id, report)));
            }
        };
        CompletableFuture.supplyAsync(() -> {
            try {
                TrainingJob.Outcome outcome = runner.run(p.start().request(), listener, p.cancelled()::get);
                String notLive = p.start().activate() ? activator.activate(outcome) : "activation not requested";
                return new JobEnded(id, new Finished(id, outcome, notLive == null, notLive == null ? "" : notLive), false);
            } catch (CancellationException e) {
                return new JobEnded(id, new Failed(id, "cancelled: " + e.getMessage(), true), false);
            } catch (Exception | Error e) {
                String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
                return new JobEnded(id, new Failed(id, e.getClass().getSimpleName() + ": " + why, false), true);
            }
        }, executor).exceptionally(e -> new JobEnded(id, new Failed(id, String.valueOf(e instanceof CompletionException ? e.getCause() : e), false), true))
                .thenAccept(self::tell);
    }

    private Behavior<Command> onCancel(Cancel c) {
        boolean found = false;
        if (running != null && running.start().jobId().equals(c.jobId())) {
            running.cancelled().set(true);
            found = true;
        }
        for (Pending p : queue) {
            if (p.start().jobId().equals(c.jobId())) {
                queue.remove(p);
                p.start().events().tell(new Failed(p.start().jobId(), "cancelled before it started", true));
                found = true;
                break;
            }
        }
        c.replyTo().tell(found);
        return this;
    }

    private Behavior<Command> onJobEvent(JobEvent e) {
        if (running != null && running.start().jobId().equals(e.jobId())) {
            running.start().events().tell(e.event());
            observer.event(running.start().request().modelName(), e.event());
        }
        return this;
    }

    private Behavior<Command> onJobEnded(JobEnded e) {
        Pending done = running;
        running = null;
        if (done != null) {
            done.start().events().tell(e.last());
            observer.event(done.start().request().modelName(), e.last());
        }
        if (e.crashed()) {
            for (Pending p : queue) {
                p.start().events().tell(new Failed(p.start().jobId(), "the trainer is restarting after job " + e.jobId() + " failed; resubmit", false));
            }
            queue.clear();
            throw new JobCrashed("job " + e.jobId() + " failed: " + ((Failed) e.last()).message());
        }
        Pending next = queue.poll();
        if (next != null) {
            launch(next);
        }
        return this;
    }
}
