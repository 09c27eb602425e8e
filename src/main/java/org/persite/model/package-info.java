/**
 * The per-site CGCNN model: its spec and weights, the ONNX writer, the trust head appended to it (constraints,
 * domain-of-applicability score, σ calibration) with its plain-Java oracle, the model directory with its card,
 * and the plain-Java reference forward pass that tests use as the oracle.
 */
package org.persite.model;
