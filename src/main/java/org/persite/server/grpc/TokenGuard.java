package org.persite.server.grpc;

import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;
import org.apache.pekko.stream.javadsl.Source;
import org.persite.api.v1.GetModelRequest;
import org.persite.api.v1.ListModelsRequest;
import org.persite.api.v1.ListModelsResponse;
import org.persite.api.v1.ModelInfo;
import org.persite.api.v1.PerSitePowerApi;
import org.persite.api.v1.PredictRequest;
import org.persite.api.v1.PredictResponse;

/** The prediction API behind the admin token ({@code persite.server.require-token-for-predict = on}). */
public final class TokenGuard implements PerSitePowerApi {
    private final PerSitePowerApi inner;
    private final byte[] token;

    public TokenGuard(PerSitePowerApi inner, String token) {
        this.inner = inner;
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    /** True when the call carries "authorization: Bearer <token>" (compared in constant time). */
    static boolean authorized(Metadata metadata, byte[] token) {
        String header = metadata.getText("authorization").orElse("");
        byte[] given = header.startsWith("Bearer ") ? header.substring(7).getBytes(StandardCharsets.UTF_8) : new byte[0];
        return token.length > 0 && MessageDigest.isEqual(given, token);
    }

    static GrpcServiceException unauthenticated() {
        return new GrpcServiceException(Status.UNAUTHENTICATED.withDescription("a valid 'authorization: Bearer <token>' header is required"));
    }

    @Override
    public CompletionStage<PredictResponse> predict(PredictRequest in, Metadata metadata) {
        return authorized(metadata, token) ? inner.predict(in, metadata) : CompletableFuture.failedFuture(unauthenticated());
    }

    @Override
    public Source<PredictResponse, NotUsed> predictStream(Source<PredictRequest, NotUsed> in, Metadata metadata) {
        return authorized(metadata, token) ? inner.predictStream(in, metadata) : Source.failed(unauthenticated());
    }

    @Override
    public CompletionStage<ListModelsResponse> listModels(ListModelsRequest in, Metadata metadata) {
        return authorized(metadata, token) ? inner.listModels(in, metadata) : CompletableFuture.failedFuture(unauthenticated());
    }

    @Override
    public CompletionStage<ModelInfo> getModel(GetModelRequest in, Metadata metadata) {
        return authorized(metadata, token) ? inner.getModel(in, metadata) : CompletableFuture.failedFuture(unauthenticated());
    }
}
