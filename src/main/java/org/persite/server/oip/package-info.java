/**
 * The Open Inference Protocol (KServe v2, the protocol Triton, KServe, Seldon MLServer and TorchServe share) over
 * HTTP/REST on its own port ({@code persite.server.http}): server live and ready, server and model metadata, model
 * ready, and infer. {@link org.persite.server.oip.InferMapping} turns an infer request's tensors into persite
 * requests and the answers back into tensors; {@link org.persite.server.oip.OipHttpHandler} routes the paths and
 * runs each request through the same {@link org.persite.server.PredictionPipeline} as gRPC.
 */
package org.persite.server.oip;
