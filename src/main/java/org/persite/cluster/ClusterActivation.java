package org.persite.cluster;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.persite.model.ModelLoadException;
import org.persite.server.ModelActivation;
import org.persite.server.ModelRegistry;
import org.persite.server.ServedModel;

/**
 * Activation in a cluster: Activate, Rollback, a trained version and polling on any node all go to the
 * {@link SwapCoordinator} singleton, which swaps the version on every node or on none. Blocking: callers run it on the
 * blocking dispatcher.
 */
final class ClusterActivation implements ModelActivation {
    private final ActorRef<SwapCoordinator.Command> coordinator;
    private final ModelRegistry registry;
    private final Duration timeout;
    private final Scheduler scheduler;

    ClusterActivation(ActorRef<SwapCoordinator.Command> coordinator, ModelRegistry registry, ClusterSettings settings, Scheduler scheduler) {
        this.coordinator = coordinator;
        this.registry = registry;
        this.timeout = settings.prepareTimeout().plus(settings.commitTimeout()).plusSeconds(30); // the coordinator answers before this
        this.scheduler = scheduler;
    }

    @Override
    public ServedModel activate(String name, int version, boolean force) throws ModelLoadException {
        return swap(name, version, force, false);
    }

    @Override
    public ServedModel rollback(String name) throws ModelLoadException, ModelRegistry.UnknownModelException {
        return swap(name, registry.rollbackTarget(name), false, true);
    }

    private ServedModel swap(String name, int version, boolean force, boolean rollback) throws ModelLoadException {
        SwapCoordinator.SwapResult r;
        try {
            r = AskPattern.<SwapCoordinator.Command, SwapCoordinator.SwapResult>ask(coordinator,
                    rt -> new SwapCoordinator.Swap(name, version, force, rollback, rt), timeout, scheduler).toCompletableFuture()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new ModelLoadException(registry.repository().versionDir(name, version), "the cluster's swap coordinator did not answer in " + timeout
                    + ": " + e);
        }
        if (!r.ok()) {
            throw new ModelLoadException(registry.repository().versionDir(name, version), r.message());
        }
        try {
            return registry.describe(name);
        } catch (ModelRegistry.UnknownModelException e) {
            throw new ModelLoadException(registry.repository().versionDir(name, version), e.getMessage());
        }
    }
}
