package org.persite.cluster;

import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One unit of stream work: a chunk of one stream's requests as raw structures (each a {@code persite.v1.PredictRequest}
 * in its protobuf bytes, its model and version already pinned by the front), sent by a front's
 * {@link JobDispatcher} to a worker through reliable delivery. Graphs and batching happen on the worker.
 *
 * @param id unique at its front: the front's incarnation, the stream and the job's sequence number in it
 * @param model the model the requests are pinned to (for logs; each request names it too)
 * @param version the version they are pinned to
 * @param requests the requests' protobuf bytes, in stream order
 * @param deadlineEpochMillis the call's deadline (Long.MAX_VALUE for none)
 * @param replyTo the front's dispatcher, which takes the {@link JobDispatcher.JobDone}
 */
public record Job(String id, String model, int version, List<byte[]> requests, long deadlineEpochMillis, ActorRef<JobDispatcher.Command> replyTo)
        implements ClusterMessage {
}
