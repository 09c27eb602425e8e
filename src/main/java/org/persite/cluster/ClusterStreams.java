package org.persite.cluster;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status.Code;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.javadsl.Source;
import org.persite.api.v1.PredictRequest;
import org.persite.api.v1.PredictResponse;
import org.persite.api.v1.Status;
import org.persite.server.ModelRegistry;
import org.persite.server.ScaleOut;
import org.persite.server.ServedModel;

/**
 * A front's streams, worked on by the cluster: the stream's requests are cut into jobs (at most
 * {@code job-requests} requests, or 16 MiB, each; waiting at most {@code job-linger}), each request pinned to the
 * cluster-wide active version of its model ({@link PinnedVersions}), and handed to the {@link JobDispatcher}. At most
 * the stream's window of requests are out at once, so HTTP/2 flow control on the stream is the end of the backpressure
 * chain. A job that fails as a whole (queue full, no worker in time) answers each of its requests with that status.
 */
final class ClusterStreams implements ScaleOut.StreamWork {
    /** A job's requests take at most this many bytes (Artery's large-message frame is 24 MiB). */
    static final long MAX_JOB_BYTES = 16L << 20;

    private final ActorRef<JobDispatcher.Command> dispatcher;
    private final ModelRegistry registry;
    private final PinnedVersions pinned;
    private final ClusterSettings settings;
    private final Scheduler scheduler;
    private final String front;
    private final int jobsPerStream;
    private final AtomicLong streams = new AtomicLong();

    ClusterStreams(ActorRef<JobDispatcher.Command> dispatcher, ModelRegistry registry, PinnedVersions pinned, ClusterSettings settings,
            Scheduler scheduler, String frontIncarnation, int window) {
        this.dispatcher = dispatcher;
        this.registry = registry;
        this.pinned = pinned;
        this.settings = settings;
        this.scheduler = scheduler;
        this.front = frontIncarnation;
        this.jobsPerStream = Math.max(1, window / settings.jobRequests());
    }

    @Override
    public Source<PredictResponse, NotUsed> stream(Source<PredictRequest, NotUsed> requests, boolean completionOrder, Instant deadline) {
        String stream = front + "/" + streams.incrementAndGet();
        AtomicLong seq = new AtomicLong();
        Function<List<PredictRequest>, CompletionStage<List<PredictResponse>>> dispatch = chunk -> dispatch(stream + "/" + seq.incrementAndGet(), chunk,
                deadline);
        Source<List<PredictRequest>, NotUsed> jobs = requests.groupedWeightedWithin(MAX_JOB_BYTES, settings.jobRequests(),
                r -> (long) r.getSerializedSize(), settings.jobLinger());
        Source<List<PredictResponse>, NotUsed> answered = completionOrder ? jobs.mapAsyncUnordered(jobsPerStream, dispatch)
                : jobs.mapAsync(jobsPerStream, dispatch);
        return answered.mapConcat(list -> list);
    }

    private CompletionStage<List<PredictResponse>> dispatch(String id, List<PredictRequest> chunk, Instant deadline) {
        List<byte[]> bytes = new ArrayList<>(chunk.size());
        String model = "";
        int version = 0;
        for (PredictRequest r : chunk) {
            PredictRequest p = pin(r);
            if (model.isEmpty()) {
                model = p.getModel();
                version = p.getModelVersion();
            }
            bytes.add(p.toByteArray());
        }
        long deadlineMs = deadline.equals(Instant.MAX) ? Long.MAX_VALUE : deadline.toEpochMilli();
        Job job = new Job(id, model, version, bytes, deadlineMs, dispatcher);
        Duration wait = settings.jobTimeout().plusSeconds(5); // the dispatcher answers at job-timeout; this is only the safety net
        return AskPattern.<JobDispatcher.Command, JobDispatcher.Outcome>ask(dispatcher, rt -> new JobDispatcher.Submit(job, rt), wait, scheduler)
                .handle((outcome, e) -> {
                    if (outcome instanceof JobDispatcher.Answered a) {
                        return parse(chunk, a);
                    }
                    if (outcome instanceof JobDispatcher.Refused r) {
                        return failAll(chunk, r.code(), r.message());
                    }
                    return failAll(chunk, Code.UNAVAILABLE, "the cluster did not answer this job: " + e);
                });
    }

    /** The request with its model and version set: the front's pin, so every worker computes it with the same version. */
    private PredictRequest pin(PredictRequest r) {
        String model = r.getModel().isEmpty() ? registry.defaultName() : r.getModel();
        if (r.getModelVersion() != 0) {
            return r.getModel().isEmpty() ? r.toBuilder().setModel(model).build() : r;
        }
        int v = pinned.version(model);
        if (v == 0) {
            try {
                ServedModel m = registry.describe(model);
                v = m.version();
            } catch (ModelRegistry.UnknownModelException e) {
                return r; // the worker answers NOT_FOUND, naming the models it serves
            }
        }
        return r.toBuilder().setModel(model).setModelVersion(v).build();
    }

    private static List<PredictResponse> parse(List<PredictRequest> chunk, JobDispatcher.Answered a) {
        List<PredictResponse> out = new ArrayList<>(a.responses().size());
        for (int i = 0; i < a.responses().size(); i++) {
            try {
                out.add(PredictResponse.parseFrom(a.responses().get(i)));
            } catch (InvalidProtocolBufferException e) {
                out.add(failure(chunk.get(i), Code.INTERNAL, "the response from " + a.servedBy() + " could not be read: " + e.getMessage()));
            }
        }
        return out;
    }

    private static List<PredictResponse> failAll(List<PredictRequest> chunk, Code code, String message) {
        return chunk.stream().map(r -> failure(r, code, message)).toList();
    }

    private static PredictResponse failure(PredictRequest r, Code code, String message) {
        return PredictResponse.newBuilder().setRequestId(r.getRequestId()).setStatus(Status.newBuilder().setCode(code.value()).setMessage(message)).build();
    }
}
