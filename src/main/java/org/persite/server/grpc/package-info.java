/**
 * The gRPC adapters, apart from the serving core: {@link org.persite.server.grpc.PerSiteService} (prediction, call-level
 * limits, deadlines), {@link org.persite.server.grpc.AdminService} (activate, rollback, train, with its bearer token),
 * {@link org.persite.server.grpc.HealthService}, {@link org.persite.server.grpc.TokenGuard} (the token on the prediction
 * API when asked), {@link org.persite.server.grpc.GrpcMessageLimit} (the per-message size limit),
 * {@link org.persite.server.grpc.Deadlines} and {@link org.persite.server.grpc.GrpcEndpoints} (the one HTTP/2 handler).
 * They translate calls to and from the core ({@code org.persite.server}) and hold no serving logic of their own.
 */
package org.persite.server.grpc;
