package org.persite.cluster;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;

/**
 * The cluster-wide active version of each model, as this node knows it: what a front pins each new job to. Its
 * source is Distributed Data ({@link #KEY}, written with a majority by the {@link SwapCoordinator}); a commit on
 * this node sets it at once too, so that once a swap's Activate returns every front pins to the new version.
 */
public final class PinnedVersions {
    /** Model name to active version, replicated to every node. */
    public static final Key<LWWMap<String, Integer>> KEY = LWWMapKey.create("persite-active-versions");

    private final Map<String, Integer> versions = new ConcurrentHashMap<>();

    /** The version to pin {@code model}'s new jobs to, or 0 when the cluster has not swapped it (each node's own active version). */
    public int version(String model) {
        return versions.getOrDefault(model, 0);
    }

    void set(String model, int version) {
        versions.put(model, version);
    }

    /** Keeps this view up to date with Distributed Data (one actor per node). */
    static Behavior<Replicated> subscriber(PinnedVersions view) {
        return Behaviors.setup(ctx -> DistributedData.<Replicated, LWWMap<String, Integer>>withReplicatorMessageAdapter(dd -> {
            dd.subscribe(KEY, Replicated::new);
            return Behaviors.receive(Replicated.class).onMessage(Replicated.class, r -> {
                if (r.response() instanceof Replicator.Changed<LWWMap<String, Integer>> changed) {
                    changed.get(KEY).getEntries().forEach(view::set);
                }
                return Behaviors.same();
            }).build();
        }));
    }

    /** A change of {@link #KEY}. */
    record Replicated(Replicator.SubscribeResponse<LWWMap<String, Integer>> response) {
    }
}
