package org.persite.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Instant;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.stream.javadsl.Source;
import org.persite.api.v1.PredictRequest;
import org.persite.api.v1.PredictResponse;
import org.persite.model.ModelLoadException;

/**
 * How a server takes part in more than itself: nothing ({@link #SINGLE}), or a cluster (org.persite.cluster). The
 * server asks it for the Pekko settings it needs before the actor system starts, and then joins; what it gets back
 * decides where a stream's work runs and how a version is activated.
 */
public interface ScaleOut {

    /** Pekko settings to put in front of the configuration (for a cluster: the provider, the address, the seeds). */
    Config pekkoConfig(Config persiteSection);

    /** The address this node will name in {@code served_by} (empty for a single node), once its actor system runs. */
    String address(ActorSystem<?> system);

    /** Joins with the server's parts, once its models are loaded. */
    Node join(Parts parts) throws ModelLoadException;

    /** What a node is made of, for {@link #join}. */
    record Parts(ActorSystem<SpawnProtocol.Command> system, Spawner spawner, ModelRegistry registry, PredictionPipeline pipeline,
            ServerMetrics metrics, Config persiteSection, int maxInFlightPerStream) {
    }

    /** This node, joined. */
    interface Node {
        /** The address this node names in {@code served_by}; empty for a single node. */
        String address();

        /** How a stream's requests are worked on; null: here, by the pipeline. */
        StreamWork streams();

        /** How a version is activated and rolled back. */
        ModelActivation activation();

        /** What every node of the cluster holds (empty for a single node). */
        CompletionStage<java.util.List<org.persite.api.v1.NodeModels>> describeNodes();

        /** SIGTERM: finish this node's work for others, then stop taking any. */
        CompletionStage<Done> drain();
    }

    /** A stream's requests, worked on somewhere other than this node's pipeline. */
    interface StreamWork {
        /** The responses, one per request, in input order unless {@code completionOrder}. */
        Source<PredictResponse, NotUsed> stream(Source<PredictRequest, NotUsed> requests, boolean completionOrder, Instant deadline);
    }

    /** One server alone: work runs here, and versions are activated by its registry. */
    ScaleOut SINGLE = new ScaleOut() {
        @Override
        public Config pekkoConfig(Config persiteSection) {
            if (persiteSection.hasPath("cluster.seeds") && !persiteSection.getString("cluster.seeds").isBlank()) {
                throw new IllegalArgumentException("persite.cluster.seeds (PERSITE_CLUSTER_SEEDS) is set, but this server was started without cluster "
                        + "support: start it with `persite serve`");
            }
            return ConfigFactory.empty();
        }

        @Override
        public String address(ActorSystem<?> system) {
            return "";
        }

        @Override
        public Node join(Parts parts) {
            ModelActivation local = ModelActivation.local(parts.registry());
            return new Node() {
                @Override
                public String address() {
                    return "";
                }

                @Override
                public StreamWork streams() {
                    return null;
                }

                @Override
                public ModelActivation activation() {
                    return local;
                }

                @Override
                public CompletionStage<java.util.List<org.persite.api.v1.NodeModels>> describeNodes() {
                    return java.util.concurrent.CompletableFuture.completedFuture(java.util.List.of());
                }

                @Override
                public CompletionStage<Done> drain() {
                    return java.util.concurrent.CompletableFuture.completedFuture(Done.getInstance());
                }
            };
        }
    };
}
