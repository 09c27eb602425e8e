package org.persite.train;

import java.util.List;
import org.persite.structure.Elements;

/**
 * The paper's per-element average: every site of element Z is predicted as the mean target of Z over the
 * training split (the global training mean for an element the training split lacks).
 */
public final class PerElementBaseline {
    private final double[] mean = new double[Elements.MAX_Z + 1];
    private final double globalMean;

    public PerElementBaseline(List<SiteDataset.Example> training) {
        double[] sum = new double[Elements.MAX_Z + 1];
        long[] count = new long[Elements.MAX_Z + 1];
        double all = 0;
        long n = 0;
        for (SiteDataset.Example ex : training) {
            for (int i = 0; i < ex.targets().length; i++) {
                float t = ex.targets()[i];
                if (!Float.isNaN(t)) {
                    sum[ex.graph().species(i)] += t;
                    count[ex.graph().species(i)]++;
                    all += t;
                    n++;
                }
            }
        }
        globalMean = n == 0 ? 0 : all / n;
        for (int z = 0; z < mean.length; z++) {
            mean[z] = count[z] == 0 ? globalMean : sum[z] / count[z];
        }
    }

    /** Predictions [N] for one example. */
    public float[] predict(SiteDataset.Example ex) {
        float[] p = new float[ex.graph().numSites()];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) mean[ex.graph().species(i)];
        }
        return p;
    }

    /** The mean of element z over the training split. */
    public double mean(int z) {
        return mean[z];
    }
}
