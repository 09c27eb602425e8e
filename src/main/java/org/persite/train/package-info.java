/** Training the per-site CGCNN with DJL on PyTorch: the model as DJL blocks, datasets of crystal graphs with per-site targets, splits, baselines, the training loop and export to the ONNX model directory. */
package org.persite.train;
