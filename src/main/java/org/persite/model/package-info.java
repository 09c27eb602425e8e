/** The per-site CGCNN model: its spec and weights, the ONNX writer, the model directory with its card, and the plain-Java reference forward pass that tests use as the oracle. */
package org.persite.model;
