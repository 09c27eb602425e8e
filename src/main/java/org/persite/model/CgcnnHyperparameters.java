package org.persite.model;

/**
 * The shape of a per-site CGCNN.
 *
 * @param atomFeatures F, hidden atom feature length
 * @param convLayers n_conv, gated graph convolutions
 * @param hiddenWidth H, width of the per-site head's hidden layers
 * @param hiddenLayers n_h, hidden layers in the head
 */
public record CgcnnHyperparameters(int atomFeatures, int convLayers, int hiddenWidth, int hiddenLayers) {

    public CgcnnHyperparameters {
        if (atomFeatures < 1 || convLayers < 0 || hiddenWidth < 1 || hiddenLayers < 0) {
            throw new IllegalArgumentException("need F >= 1, n_conv >= 0, H >= 1, n_h >= 0");
        }
    }

    /** Xie &amp; Grossman's code defaults: F 64, 3 convolutions, H 128, 1 hidden layer. */
    public static CgcnnHyperparameters reference() {
        return new CgcnnHyperparameters(64, 3, 128, 1);
    }
}
