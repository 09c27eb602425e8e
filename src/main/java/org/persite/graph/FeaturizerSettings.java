package org.persite.graph;

import com.typesafe.config.Config;

/**
 * Everything that turns a structure into model inputs. It is saved with every model and checked when a
 * model is loaded, so the features are never computed apart from the weights they were trained with.
 *
 * @param cutoff neighbour cutoff r in Å
 * @param maxNeighbors M, neighbour slots per site
 * @param gaussianDmin first Gaussian centre in Å
 * @param gaussianStep spacing of the Gaussian centres in Å; the centres run from dmin to the cutoff
 * @param gaussianVar the width in {@code exp(-(d - mu)^2 / var^2)}, in Å
 * @param elementTableId id of the element feature table
 * @param elementTableSha256 sha256 of the element table file
 */
public record FeaturizerSettings(double cutoff, int maxNeighbors, double gaussianDmin, double gaussianStep, double gaussianVar,
        String elementTableId, String elementTableSha256) {

    public FeaturizerSettings {
        if (!(cutoff > 0) || Double.isInfinite(cutoff)) {
            throw new IllegalArgumentException("cutoff must be a positive number of Å, got " + cutoff);
        }
        if (maxNeighbors < 1) {
            throw new IllegalArgumentException("max-neighbors must be >= 1, got " + maxNeighbors);
        }
        if (!(gaussianStep > 0) || !(gaussianVar > 0) || !(gaussianDmin >= 0) || !(gaussianDmin < cutoff)) {
            throw new IllegalArgumentException("need 0 <= gaussian dmin < cutoff, step > 0 and var > 0");
        }
    }

    /** The reference CGCNN settings: r 8 Å, M 12, Gaussians from 0 to 8 Å every 0.2 Å, the CGCNN table. */
    public static FeaturizerSettings reference() {
        ElementTable t = ElementTable.cgcnn();
        return new FeaturizerSettings(8.0, 12, 0.0, 0.2, 0.2, t.id(), t.sha256());
    }

    /** Settings from a {@code persite.graph} config section, with the given element table. */
    public static FeaturizerSettings fromConfig(Config c, ElementTable table) {
        return new FeaturizerSettings(c.getDouble("cutoff"), c.getInt("max-neighbors"), c.getDouble("gaussian.dmin"),
                c.getDouble("gaussian.step"), c.getDouble("gaussian.var"), table.id(), table.sha256());
    }

    /** G, the number of Gaussian centres: dmin, dmin + step, ..., up to and including the cutoff. */
    public int gaussianCount() {
        return (int) Math.floor((cutoff - gaussianDmin) / gaussianStep + 1e-9) + 1;
    }

    /** The same settings with another cutoff and M. */
    public FeaturizerSettings withNeighbors(double newCutoff, int newMaxNeighbors) {
        return new FeaturizerSettings(newCutoff, newMaxNeighbors, gaussianDmin, gaussianStep, gaussianVar, elementTableId, elementTableSha256);
    }
}
