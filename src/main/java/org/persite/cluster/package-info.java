/**
 * Scale-out on a Pekko Cluster ({@code persite.cluster}): every node is a cluster member with the roles
 * {@code front} (takes gRPC calls) and/or {@code worker} (parses, builds graphs, batches, runs ONNX Runtime).
 *
 * <ul>
 *   <li>Streams: each front has one {@link org.apache.pekko.actor.typed.delivery.WorkPullingProducerController}
 *       ({@link JobDispatcher}); workers pull jobs (chunks of a stream's raw requests, pinned to one model version)
 *       at their own pace ({@link WorkerNode}, {@link JobWorker}). Delivery is at-least-once; the front answers each
 *       job once.</li>
 *   <li>Model versions: a cluster singleton ({@link SwapCoordinator}) swaps a version everywhere in two phases
 *       (every node stages and gates it, then the version is written to Distributed Data with a majority write and
 *       committed on every node); {@link PinnedVersions} is what a front pins new jobs to.</li>
 *   <li>{@link ClusterNode} wires it on one node; {@link ClusterSettings} is its configuration.</li>
 * </ul>
 */
package org.persite.cluster;
