package org.persite.model;

import java.nio.file.Path;

/**
 * A model directory that passed its checks: the spec from its card and the verified ONNX bytes.
 *
 * @param directory where it was loaded from
 * @param spec the card's content
 * @param onnx the bytes of model.onnx, whose sha256 matched the card
 * @param sha256 that checksum
 */
public record LoadedModel(Path directory, ModelSpec spec, byte[] onnx, String sha256) {
}
