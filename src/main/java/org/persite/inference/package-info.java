/** Inference: packing crystal graphs into padded batches, the ONNX Runtime engine (CPU, or CUDA where present), and the batcher actor that forms batches under a bounded queue. */
package org.persite.inference;
