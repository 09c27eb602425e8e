/**
 * The serving core: the prediction pipeline (one step on the parse dispatcher reads a request and builds its graphs,
 * {@link org.persite.server.RequestPreparer}; the model's batcher answers), the model lifecycle
 * ({@link org.persite.server.ModelRegistry}: hot swap, rollback, poll) over the {@link org.persite.server.ModelRepository}
 * (what is on disk) and the {@link org.persite.server.ActivationGate} (what a version must pass, including the comparison
 * on each model's gate set), the trainer actor, metrics and the typed settings. {@link org.persite.server.Guardian} is the
 * root actor and only wires; {@link org.persite.server.PersiteServer} starts and stops it all. The gRPC adapters are in
 * {@code org.persite.server.grpc}, the Open Inference Protocol's (REST and gRPC) in {@code org.persite.server.oip}.
 */
package org.persite.server;
