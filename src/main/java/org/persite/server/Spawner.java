package org.persite.server;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;

/** Starts an actor (the server's guardian does it, through {@link org.apache.pekko.actor.typed.SpawnProtocol}). */
@FunctionalInterface
public interface Spawner {
    <T> ActorRef<T> spawn(Behavior<T> behavior, String name, Props props);
}
