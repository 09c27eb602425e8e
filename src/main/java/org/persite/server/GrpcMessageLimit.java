package org.persite.server;

import io.grpc.Status;
import org.apache.pekko.NotUsed;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;

/**
 * Enforces {@code persite.server.max-message-bytes} on each gRPC message of a call, before it is decoded.
 *
 * <p>gRPC frames every message as a 1-byte compression flag, a 4-byte big-endian length, then the message.
 * This flow reads those headers as the request body streams past (a long PredictStream is one HTTP body, so
 * pekko-http's own body limit cannot be used per message) and fails the call with RESOURCE_EXHAUSTED as soon
 * as a header announces a message that is too large. It buffers nothing.
 */
public final class GrpcMessageLimit {
    private GrpcMessageLimit() {
    }

    /** Where the reader is in the frame sequence. */
    private static final class State {
        int headerRead; // bytes of the current 5-byte header seen so far
        long length; // the length being assembled from the header
        long payloadLeft; // message bytes still to skip
    }

    public static Flow<ByteString, ByteString, NotUsed> flow(long maxMessageBytes) {
        return Flow.of(ByteString.class).statefulMap(State::new, (st, chunk) -> {
            int i = 0;
            int n = chunk.length();
            while (i < n) {
                if (st.payloadLeft > 0) {
                    long skip = Math.min(st.payloadLeft, n - i);
                    st.payloadLeft -= skip;
                    i += (int) skip;
                    continue;
                }
                int b = chunk.apply(i) & 0xff;
                i++;
                if (st.headerRead >= 1) {
                    st.length = (st.length << 8) | b;
                }
                st.headerRead++;
                if (st.headerRead == 5) {
                    if (st.length > maxMessageBytes) {
                        throw new GrpcServiceException(Status.RESOURCE_EXHAUSTED.withDescription("a message of " + st.length
                                + " bytes exceeds the server's limit of " + maxMessageBytes + " bytes (persite.server.max-message-bytes)"));
                    }
                    st.payloadLeft = st.length;
                    st.headerRead = 0;
                    st.length = 0;
                }
            }
            return Pair.create(st, chunk);
        }, st -> java.util.Optional.empty());
    }
}
