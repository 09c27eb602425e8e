package org.persite.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.persite.config.HostPort;

/**
 * Cluster mode, from {@code persite.cluster} (documented in reference.conf). An empty seed list is a single node.
 *
 * @param seeds the seed nodes' cluster addresses (PERSITE_CLUSTER_SEEDS); empty: no cluster
 * @param host this node's cluster host (PERSITE_CLUSTER_HOST; empty in the file means persite.server.host)
 * @param port this node's cluster port (PERSITE_CLUSTER_PORT)
 * @param roles {@code front} and/or {@code worker} (PERSITE_CLUSTER_ROLES)
 * @param workerSlots jobs from one front that one worker works on at once
 * @param jobRequests requests of one stream per job at most
 * @param jobLinger how long a front waits to fill a job before sending it as it is
 * @param jobTimeout a job with no result after this is answered UNAVAILABLE
 * @param maxQueuedJobs jobs waiting at a front for a worker; more are answered RESOURCE_EXHAUSTED
 * @param resultRetries how many times a worker resends a result the front has not acknowledged
 * @param resultAckTimeout how long a worker waits for the front to acknowledge a result
 * @param prepareTimeout the longest phase 1 of a swap (load, warm, gate on every node) may take
 * @param commitTimeout the longest the majority write and phase 2 may take
 * @param drainGrace how long a node keeps a replaced version for jobs pinned to it
 * @param stableAfter the Split Brain Resolver's stable-after
 * @param echoWorker a measuring aid only: this worker answers every job at once, computing nothing
 */
public record ClusterSettings(List<HostPort> seeds, String host, int port, Set<String> roles, int workerSlots, int jobRequests,
        Duration jobLinger, Duration jobTimeout, int maxQueuedJobs, int resultRetries, Duration resultAckTimeout, Duration prepareTimeout,
        Duration commitTimeout, Duration drainGrace, Duration stableAfter, boolean echoWorker) {

    /** The actor system's name: the same on every node (it is part of every cluster address). */
    public static final String SYSTEM_NAME = "persite";
    public static final String FRONT = "front";
    public static final String WORKER = "worker";

    public ClusterSettings {
        seeds = List.copyOf(seeds);
        roles = Set.copyOf(roles);
        if (!seeds.isEmpty()) {
            if (roles.isEmpty() || !Set.of(FRONT, WORKER).containsAll(roles)) {
                throw new IllegalArgumentException("persite.cluster.roles must be front, worker or both, got " + roles);
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("persite.cluster.port must be in 0..65535, got " + port);
            }
        }
        if (workerSlots < 1 || jobRequests < 1 || maxQueuedJobs < 1 || resultRetries < 0) {
            throw new IllegalArgumentException("persite.cluster.worker-slots, job-requests and max-queued-jobs must be >= 1, result-retries >= 0");
        }
    }

    /** Cluster mode is on when seed nodes are given. */
    public boolean enabled() {
        return !seeds.isEmpty();
    }

    public boolean front() {
        return roles.contains(FRONT);
    }

    public boolean worker() {
        return roles.contains(WORKER);
    }

    /** From the {@code persite.cluster} section; {@code serverHost} is persite.server.host, the default host. */
    public static ClusterSettings fromConfig(Config c, String serverHost) {
        List<HostPort> seeds = new ArrayList<>();
        for (String s : c.getString("seeds").split(",")) {
            if (!s.isBlank()) {
                try {
                    seeds.add(HostPort.parse(s.strip()));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("persite.cluster.seeds (PERSITE_CLUSTER_SEEDS) is a comma-separated list of HOST:PORT: "
                            + e.getMessage());
                }
            }
        }
        Set<String> roles = new LinkedHashSet<>();
        for (String r : c.getString("roles").split(",")) {
            if (!r.isBlank()) {
                roles.add(r.strip().toLowerCase(Locale.ROOT));
            }
        }
        String host = c.getString("host").isBlank() ? serverHost : c.getString("host");
        return new ClusterSettings(seeds, host, c.getInt("port"), roles, c.getInt("worker-slots"), c.getInt("job-requests"),
                c.getDuration("job-linger"), c.getDuration("job-timeout"), c.getInt("max-queued-jobs"), c.getInt("result-retries"),
                c.getDuration("result-ack-timeout"), c.getDuration("swap.prepare-timeout"), c.getDuration("swap.commit-timeout"),
                c.getDuration("swap.drain-grace"), c.getDuration("stable-after"), c.getBoolean("benchmark-echo-worker"));
    }

    /**
     * The Pekko settings cluster mode needs, to put in front of the configuration: the cluster provider, this
     * node's Artery address, the seed nodes, the roles and the Split Brain Resolver (keep-majority).
     */
    public Config pekkoConfig() {
        StringBuilder seedList = new StringBuilder();
        for (HostPort s : seeds) {
            seedList.append(seedList.length() == 0 ? "" : ", ").append('"').append("pekko://").append(SYSTEM_NAME).append('@').append(s.host())
                    .append(':').append(s.port()).append('"');
        }
        String roleList = String.join(", ", roles.stream().sorted().map(r -> '"' + r + '"').toList());
        return ConfigFactory.parseString(String.join("\n",
                "pekko.actor.provider = cluster",
                "pekko.remote.artery.canonical.hostname = \"" + host + "\"",
                "pekko.remote.artery.canonical.port = " + port,
                "pekko.cluster.seed-nodes = [" + seedList + "]",
                "pekko.cluster.roles = [" + roleList + "]",
                "pekko.cluster.downing-provider-class = \"org.apache.pekko.cluster.sbr.SplitBrainResolverProvider\"",
                "pekko.cluster.split-brain-resolver.active-strategy = keep-majority",
                "pekko.cluster.split-brain-resolver.stable-after = " + stableAfter.toMillis() + "ms"));
    }
}
