package org.persite.server;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The actor system's root: it only wires. It holds no state and does no work; it starts the actors the server is
 * made of when asked ({@link SpawnProtocol}): the trainer at start, and a batcher for each model version that goes
 * live (the {@link ModelRegistry} asks through a {@link Spawner}). Stateless work (parsing, graphs, ONNX Runtime) runs
 * as bounded CompletionStages on its own dispatchers, not in actors.
 */
public final class Guardian {
    private Guardian() {
    }

    /** The root behavior. */
    public static Behavior<SpawnProtocol.Command> create() {
        return SpawnProtocol.create();
    }

    /** Starts actors as the guardian's children, waiting (at most 10 s) until each is running. */
    public static Spawner spawner(ActorSystem<SpawnProtocol.Command> system) {
        return new Spawner() {
            @Override
            public <T> ActorRef<T> spawn(Behavior<T> behavior, String name, Props props) {
                try {
                    return AskPattern.<SpawnProtocol.Command, ActorRef<T>>ask(system, r -> new SpawnProtocol.Spawn<>(behavior, name, props, r),
                            Duration.ofSeconds(10), system.scheduler()).toCompletableFuture().get(10, TimeUnit.SECONDS);
                } catch (InterruptedException | ExecutionException | TimeoutException e) {
                    throw new IllegalStateException("cannot start actor " + name, e);
                }
            }
        };
    }
}
