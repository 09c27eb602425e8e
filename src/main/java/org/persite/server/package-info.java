/**
 * The gRPC server: the prediction pipeline (parse, build graphs, batch, infer), the model registry with its
 * hot swap and activation gate (including the comparison on each model's gate set), the Admin API and the
 * trainer actor, health, metrics, TLS and limits. The Guardian in {@code PersiteServer} only wires.
 */
package org.persite.server;
