/**
 * Training the per-site CGCNN with DJL on PyTorch: the model as DJL blocks, datasets of crystal graphs with
 * per-site targets, splits, baselines, the training loop, export to the ONNX model directory, and the fitting
 * of each version's trust head (domain summary, σ per class) and the model's gate set.
 */
package org.persite.train;
