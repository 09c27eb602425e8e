package org.persite.server.grpc;

import org.persite.server.PredictionPipeline;

import io.grpc.Status;
import org.apache.pekko.NotUsed;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;
import org.persite.api.v1.PredictRequest;

/**
 * Enforces {@code persite.server.max-message-bytes} on each gRPC message of a call, before it is decoded.
 *
 * <p>gRPC frames every message as a 1-byte compression flag, a 4-byte big-endian length, then the message.
 * These flows read the headers as the request body streams past (a long PredictStream is one HTTP body, so
 * pekko-http's own body limit cannot be used per message). They buffer no more than a 5-byte header.
 */
public final class GrpcMessageLimit {
    private GrpcMessageLimit() {
    }

    /** Where the reader is in the frame sequence. */
    private static final class State {
        final byte[] header = new byte[5];
        int headerRead; // bytes of the current header seen so far
        long payloadLeft; // bytes of the current message still to pass (or skip)
        boolean skipping; // the current message is too large: its bytes are dropped
    }

    /**
     * For PerSite's Predict and PredictStream: a message that is too large is skipped as it streams past, and
     * a small {@link PredictRequest} with {@code oversized_message_bytes} set takes its place, so that the
     * service answers it with RESOURCE_EXHAUSTED and a stream goes on with the next message.
     */
    public static Flow<ByteString, ByteString, NotUsed> replacingOversized(long maxMessageBytes) {
        return frames(maxMessageBytes, true);
    }

    /** For the other services: a message that is too large ends the call with RESOURCE_EXHAUSTED. */
    public static Flow<ByteString, ByteString, NotUsed> failingOversized(long maxMessageBytes) {
        return frames(maxMessageBytes, false);
    }

    /** Follows the frames of the body; an oversized message is replaced by a marker ({@code replace}) or fails the call. */
    private static Flow<ByteString, ByteString, NotUsed> frames(long maxMessageBytes, boolean replace) {
        return Flow.of(ByteString.class).statefulMap(State::new, (st, chunk) -> {
            ByteStringBuilder out = new ByteStringBuilder();
            int i = 0;
            int n = chunk.length();
            while (i < n) {
                if (st.payloadLeft > 0) {
                    int take = (int) Math.min(st.payloadLeft, n - i);
                    if (!st.skipping) {
                        out.append(chunk.slice(i, i + take));
                    }
                    st.payloadLeft -= take;
                    i += take;
                    continue;
                }
                st.header[st.headerRead++] = chunk.apply(i++);
                if (st.headerRead < 5) {
                    continue;
                }
                st.headerRead = 0;
                long length = length(st.header);
                st.payloadLeft = length;
                st.skipping = length > maxMessageBytes;
                if (!st.skipping) {
                    out.putBytes(st.header);
                } else if (replace) {
                    byte[] marker = PredictRequest.newBuilder().setOversizedMessageBytes(length).build().toByteArray();
                    out.putByte((byte) 0).putBytes(new byte[] {0, 0, 0, (byte) marker.length}).putBytes(marker);
                } else {
                    throw new GrpcServiceException(Status.RESOURCE_EXHAUSTED.withDescription(PredictionPipeline.tooLarge(length, maxMessageBytes)));
                }
            }
            return Pair.create(st, out.result());
        }, st -> java.util.Optional.<ByteString>empty()).filter(b -> !b.isEmpty()); // a skipped chunk leaves nothing to pass on
    }

    private static long length(byte[] h) {
        return ((h[1] & 0xffL) << 24) | ((h[2] & 0xffL) << 16) | ((h[3] & 0xffL) << 8) | (h[4] & 0xffL);
    }
}
