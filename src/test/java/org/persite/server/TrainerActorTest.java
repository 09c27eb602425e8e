package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.persite.model.CgcnnHyperparameters;
import org.persite.train.CgcnnTrainer;
import org.persite.train.TargetSpec;
import org.persite.train.TrainingConfig;
import org.persite.train.TrainingJob;

/**
 * The trainer actor's supervision, busy policy and cancellation, with a scripted runner in place of DJL
 * (the runner is not what is under test here; real DJL training through the server is in AdminTrainTest).
 */
class TrainerActorTest {
    static final ActorTestKit KIT = ActorTestKit.create(com.typesafe.config.ConfigFactory.load());

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    static final TrainingJob.Request REQUEST = new TrainingJob.Request(Path.of("x.jsonl"), new TargetSpec("magmom", TargetSpec.Transform.ABS, null, "μB"),
            "m", Path.of("models/m"), new TrainingConfig(CgcnnHyperparameters.reference(), 3, 8, 0.01f, TrainingConfig.OptimizerKind.ADAM,
                    TrainingConfig.LossKind.L1, 1), "test");

    /** Epoch 1 reported, then an exception in the middle of epoch 2 for job "bad"; other jobs end with null (no outcome needed). */
    static TrainerActor.Runner scripted(CountDownLatch release) {
        return (request, listener, cancelled) -> {
            listener.epoch(new CgcnnTrainer.EpochReport(1, 3, 0.5, 0.4, 0.01, 0, -1));
            if (request.modelName().equals("bad")) {
                throw new IllegalStateException("the training loss is not finite (NaN) at epoch 2, batch 3");
            }
            if (!release.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not released");
            }
            while (request.modelName().equals("slow") && !cancelled.getAsBoolean()) {
                Thread.sleep(5);
            }
            if (cancelled.getAsBoolean()) {
                throw new java.util.concurrent.CancellationException("by request");
            }
            return null;
        };
    }

    static TrainingJob.Request named(String name) {
        return new TrainingJob.Request(REQUEST.data(), REQUEST.target(), name, REQUEST.modelFolder(), REQUEST.config(), "test");
    }

    @Test
    void aJobThatThrowsMidEpochFailsOnItsStreamAndTheTrainerComesBack() {
        CountDownLatch release = new CountDownLatch(1);
        release.countDown();
        ActorRef<TrainerActor.Command> trainer = KIT.spawn(TrainerActor.create(scripted(release), o -> null, 0, Duration.ofMillis(200),
                Duration.ofSeconds(1)));
        TestProbe<TrainerActor.Event> bad = KIT.createTestProbe();
        trainer.tell(new TrainerActor.Start("j1", named("bad"), false, bad.getRef()));
        assertEquals(1, bad.expectMessageClass(TrainerActor.Epoch.class).report().epoch());
        TrainerActor.Failed f = bad.expectMessageClass(TrainerActor.Failed.class);
        assertTrue(f.message().contains("not finite"), f.message());
        assertFalse(f.cancelled());
        // after the backoff the restarted trainer takes the next job
        TestProbe<TrainerActor.Event> good = KIT.createTestProbe();
        trainer.tell(new TrainerActor.Start("j2", named("good"), false, good.getRef()));
        good.expectMessageClass(TrainerActor.Epoch.class, Duration.ofSeconds(5));
        TrainerActor.Finished done = good.expectMessageClass(TrainerActor.Finished.class, Duration.ofSeconds(5));
        assertEquals("j2", done.jobId());
        assertFalse(done.activated());
    }

    @Test
    void aSecondJobIsRefusedOrQueuedAndCancelStopsIt() {
        CountDownLatch release = new CountDownLatch(1);
        ActorRef<TrainerActor.Command> refusing = KIT.spawn(TrainerActor.create(scripted(release), o -> null, 0, Duration.ofMillis(200),
                Duration.ofSeconds(1)));
        TestProbe<TrainerActor.Event> first = KIT.createTestProbe();
        TestProbe<TrainerActor.Event> second = KIT.createTestProbe();
        refusing.tell(new TrainerActor.Start("a", named("slow"), false, first.getRef()));
        first.expectMessageClass(TrainerActor.Epoch.class);
        refusing.tell(new TrainerActor.Start("b", named("other"), false, second.getRef()));
        assertTrue(second.expectMessageClass(TrainerActor.Failed.class).message().contains("already running"));
        TestProbe<Boolean> cancelled = KIT.createTestProbe();
        refusing.tell(new TrainerActor.Cancel("a", cancelled.getRef()));
        assertTrue(cancelled.receiveMessage());
        release.countDown();
        TrainerActor.Failed f = first.expectMessageClass(TrainerActor.Failed.class);
        assertTrue(f.cancelled(), f.message());

        CountDownLatch hold = new CountDownLatch(1);
        ActorRef<TrainerActor.Command> queueing = KIT.spawn(TrainerActor.create(scripted(hold), o -> null, 2, Duration.ofMillis(200),
                Duration.ofSeconds(1)));
        TestProbe<TrainerActor.Event> q1 = KIT.createTestProbe();
        TestProbe<TrainerActor.Event> q2 = KIT.createTestProbe();
        queueing.tell(new TrainerActor.Start("q1", named("one"), false, q1.getRef()));
        q1.expectMessageClass(TrainerActor.Epoch.class);
        queueing.tell(new TrainerActor.Start("q2", named("two"), true, q2.getRef()));
        assertEquals(1, q2.expectMessageClass(TrainerActor.Queued.class).position());
        hold.countDown();
        q1.expectMessageClass(TrainerActor.Finished.class);
        q2.expectMessageClass(TrainerActor.Epoch.class);
        TrainerActor.Finished two = q2.expectMessageClass(TrainerActor.Finished.class);
        assertTrue(two.activated(), "the activator said yes (null)");
    }
}
