package org.persite.cluster;

import com.google.protobuf.InvalidProtocolBufferException;
import com.typesafe.config.Config;
import io.grpc.Status.Code;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.persite.api.v1.PredictRequest;
import org.persite.api.v1.PredictResponse;
import org.persite.api.v1.Status;
import org.persite.server.ModelActivation;
import org.persite.server.PredictionPipeline;
import org.persite.server.ScaleOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster mode ({@link ScaleOut} for {@code persite serve}): it adds the cluster's Pekko settings, and wires one node's
 * parts once the server's models are loaded: the control actor for swaps, the swap coordinator singleton, the view of
 * the pinned versions, a worker's slots and a front's dispatcher. It only wires; the work is in those actors.
 */
public final class ClusterNode implements ScaleOut {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);

    @Override
    public Config pekkoConfig(Config persiteSection) {
        ClusterSettings s = settings(persiteSection);
        return s.enabled() ? s.pekkoConfig() : com.typesafe.config.ConfigFactory.empty();
    }

    @Override
    public String address(ActorSystem<?> system) {
        return clusterAddress(system);
    }

    private static String clusterAddress(ActorSystem<?> system) {
        return system.settings().config().getString("pekko.actor.provider").equals("cluster") ? Cluster.get(system).selfMember().address().toString() : "";
    }

    private static ClusterSettings settings(Config section) {
        return ClusterSettings.fromConfig(section.getConfig("cluster"), section.getString("server.host"));
    }

    @Override
    public Node join(Parts parts) throws org.persite.model.ModelLoadException {
        ClusterSettings settings = settings(parts.persiteSection());
        if (!settings.enabled()) {
            return ScaleOut.SINGLE.join(parts);
        }
        ActorSystem<?> system = parts.system();
        String self = address(system);
        var blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
        PinnedVersions pinned = new PinnedVersions();
        parts.spawner().spawn(PinnedVersions.subscriber(pinned), "cluster-pinned-versions", Props.empty());
        List<String> roles = settings.roles().stream().sorted().toList();
        parts.spawner().spawn(NodeControl.create(parts.registry(), pinned, blocking, settings.drainGrace(), self, roles), "cluster-node-control",
                Props.empty());
        ActorRef<SwapCoordinator.Command> coordinator = ClusterSingleton.get(system).init(SingletonActor.of(SwapCoordinator.create(settings),
                "swap-coordinator"));
        ActorRef<WorkerNode.Command> worker = settings.worker()
                ? parts.spawner().spawn(WorkerNode.create(settings, settings.echoWorker() ? echo(self) : runner(parts.pipeline()), self), "cluster-worker", Props.empty())
                : null;
        StreamWork streams = null;
        if (settings.front()) {
            ActorRef<JobDispatcher.Command> dispatcher = parts.spawner().spawn(JobDispatcher.create(settings, self, parts.metrics()), "cluster-jobs",
                    Props.empty());
            String incarnation = Long.toHexString(Cluster.get(system).selfMember().uniqueAddress().longUid());
            streams = new ClusterStreams(dispatcher, parts.registry(), pinned, settings, system.scheduler(), incarnation, parts.maxInFlightPerStream());
        }
        countMembers(system, parts);
        LOG.info("cluster node {} with roles {}; seed nodes {}", self, roles, settings.seeds());
        ModelActivation activation = new ClusterActivation(coordinator, parts.registry(), settings, system.scheduler());
        StreamWork streamWork = streams;
        return new Node() {
            @Override
            public String address() {
                return self;
            }

            @Override
            public StreamWork streams() {
                return streamWork;
            }

            @Override
            public ModelActivation activation() {
                return activation;
            }

            @Override
            public CompletionStage<List<org.persite.api.v1.NodeModels>> describeNodes() {
                return describe(system);
            }

            @Override
            public CompletionStage<Done> drain() {
                if (worker == null) {
                    return CompletableFuture.completedFuture(Done.getInstance());
                }
                Duration wait = settings.jobTimeout();
                return AskPattern.<WorkerNode.Command, Done>ask(worker, WorkerNode.Drain::new, wait, system.scheduler())
                        .exceptionally(e -> {
                            LOG.warn("draining this worker did not finish in {}: its unconfirmed jobs go to other workers", wait);
                            return Done.getInstance();
                        });
            }
        };
    }

    /**
     * What the listing says of a member that is up but whose control actor the receptionist does not list yet: its
     * registration spreads by gossip a moment after the member joins (seen: 2 of 3 nodes listed right after all three
     * were up), and a node missing from the listing without a word would read as lost.
     */
    static final String NOT_REGISTERED_YET = "up, not yet registered with the receptionist (it joined moments ago): ask again";

    /**
     * Asks every node's control actor what it holds (5 s each); a node that does not answer says so, and so does a member
     * that is up but not registered yet ({@link #NOT_REGISTERED_YET}).
     */
    private static CompletionStage<List<org.persite.api.v1.NodeModels>> describe(ActorSystem<?> system) {
        Duration wait = Duration.ofSeconds(5);
        return AskPattern.<org.apache.pekko.actor.typed.receptionist.Receptionist.Command, org.apache.pekko.actor.typed.receptionist.Receptionist.Listing>ask(
                system.receptionist(), rt -> org.apache.pekko.actor.typed.receptionist.Receptionist.find(NodeControl.KEY, rt), wait, system.scheduler())
                .thenCompose(listing -> {
                    List<CompletableFuture<org.persite.api.v1.NodeModels>> all = new ArrayList<>();
                    for (ActorRef<NodeControl.Command> n : listing.getServiceInstances(NodeControl.KEY)) {
                        String where = n.path().address().hasGlobalScope() ? n.path().address().toString() : clusterAddress(system);
                        all.add(AskPattern.<NodeControl.Command, NodeControl.Holdings>ask(n, NodeControl.Describe::new, wait, system.scheduler())
                                .handle((h, e) -> h != null
                                        ? org.persite.api.v1.NodeModels.newBuilder().setAddress(h.node()).addAllRoles(h.roles()).addAllModels(h.models()).build()
                                        : org.persite.api.v1.NodeModels.newBuilder().setAddress(where).addModels("did not answer in " + wait).build())
                                .toCompletableFuture());
                    }
                    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
                        List<org.persite.api.v1.NodeModels> nodes = new ArrayList<>(all.stream().map(CompletableFuture::join).toList());
                        java.util.Set<String> listed = new java.util.HashSet<>();
                        nodes.forEach(n -> listed.add(n.getAddress()));
                        for (org.apache.pekko.cluster.Member m : Cluster.get(system).state().getMembers()) {
                            if (m.status() == MemberStatus.up() && !listed.contains(m.address().toString())) {
                                nodes.add(org.persite.api.v1.NodeModels.newBuilder().setAddress(m.address().toString())
                                        .addAllRoles(new java.util.TreeSet<>(m.getRoles()).stream().filter(r -> !r.startsWith("dc-")).toList())
                                        .addModels(NOT_REGISTERED_YET).build());
                            }
                        }
                        nodes.sort(java.util.Comparator.comparing(org.persite.api.v1.NodeModels::getAddress));
                        return nodes;
                    });
                });
    }

    /**
     * A measuring aid (persite.cluster.benchmark-echo-worker): every request answered OK at once with no sites, so that a
     * front's dispatch rate can be measured without the model's cost.
     */
    private static JobWorker.Runner echo(String self) {
        LOG.warn("persite.cluster.benchmark-echo-worker is on: this worker answers every job without computing it (a measuring aid only)");
        return job -> {
            List<byte[]> out = new ArrayList<>(job.requests().size());
            for (byte[] b : job.requests()) {
                String id;
                try {
                    id = PredictRequest.parseFrom(b).getRequestId();
                } catch (InvalidProtocolBufferException e) {
                    id = "";
                }
                out.add(PredictResponse.newBuilder().setRequestId(id).setServedBy(self).setModel(job.model()).setModelVersion(job.version())
                        .setStatus(Status.newBuilder().setCode(0)).build().toByteArray());
            }
            return CompletableFuture.completedFuture(out);
        };
    }

    /** A job runs here as its requests would from a local stream: each through the pipeline, with its pinned model version. */
    private static JobWorker.Runner runner(PredictionPipeline pipeline) {
        return job -> {
            Instant deadline = job.deadlineEpochMillis() == Long.MAX_VALUE ? Instant.MAX : Instant.ofEpochMilli(job.deadlineEpochMillis());
            List<CompletableFuture<PredictResponse>> answers = new ArrayList<>(job.requests().size());
            for (byte[] b : job.requests()) {
                try {
                    answers.add(pipeline.predict(PredictRequest.parseFrom(b), deadline, () -> false,
                            org.persite.server.PredictionPipeline.WhenFull.WAIT).toCompletableFuture());
                } catch (InvalidProtocolBufferException e) {
                    answers.add(CompletableFuture.completedFuture(PredictResponse.newBuilder().setStatus(Status.newBuilder()
                            .setCode(Code.INTERNAL.value()).setMessage("a job's request could not be read: " + e.getMessage())).build()));
                }
            }
            return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                    .thenApply(v -> answers.stream().map(f -> f.join().toByteArray()).toList());
        };
    }

    /** persite_cluster_members{status}, from this node's view of the membership, every second. */
    private static void countMembers(ActorSystem<?> system, Parts parts) {
        org.apache.pekko.cluster.Cluster classic = org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(system));
        system.scheduler().scheduleAtFixedRate(Duration.ofSeconds(1), Duration.ofSeconds(1), () -> {
            var state = classic.state();
            Map<MemberStatus, Integer> counts = new java.util.HashMap<>();
            state.getMembers().forEach(m -> counts.merge(m.status(), 1, Integer::sum));
            for (String status : List.of("up", "joining", "weakly_up", "leaving", "exiting", "down")) {
                int n = 0;
                for (var e : counts.entrySet()) {
                    if (name(e.getKey()).equals(status)) {
                        n += e.getValue();
                    }
                }
                parts.metrics().clusterMembers(status, n);
            }
            parts.metrics().clusterMembers("unreachable", state.getUnreachable().size());
        }, system.executionContext());
    }

    private static String name(MemberStatus s) {
        return s.toString().replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }
}
