/**
 * Prediction in this process, without a server ({@code persite predict FILE...}): {@link org.persite.local.LocalPredictor}
 * reads, parses and builds graphs on a pool and runs ONNX Runtime batches on their own threads, joined by bounded
 * queues, so that every core is busy, memory stays flat for any input size and the output keeps the input order.
 */
package org.persite.local;
