package org.persite.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.persite.inference.SiteOutputs;
import org.persite.model.Trust;
import org.persite.structure.Elements;

/**
 * Fits a single model's σ from its validation errors ({@link Trust.ResidualStd}): split conformal prediction by group.
 * The bins on the predicted value are B equal steps between the 1% and 99% quantiles of the validation predictions;
 * a group (element, bin) with at least {@code minSites} labelled validation sites gets σ = q₉₀(|error|) / 1.645 of its
 * own errors. The element's sites in smaller bins share one σ, fitted on them if they are {@code minSites} or more, else
 * on all the element's sites. An element with fewer than {@code minSites} sites takes its class's (transition metals or
 * not), fitted likewise on the sites of the class's elements without their own, else on the whole class (a class
 * without sites: all sites). So wherever a σ is shared by enough sites it is fitted on exactly the sites that get it.
 * σ is at least 1e-6.
 */
public final class ResidualStdFitter {
    /** The bins on the predicted value by default. */
    public static final int BINS = 8;
    /** The validation sites a group needs for its own σ by default: its 90% quantile is then known to about ±2% in coverage. */
    public static final int MIN_SITES = 200;
    private static final double FLOOR = 1e-6;

    private ResidualStdFitter() {
    }

    /**
     * @param val the validation examples
     * @param served the model's outputs on them, as served (constraints applied), in the same order
     */
    public static Trust.ResidualStd fit(List<SiteDataset.Example> val, List<SiteOutputs> served, int bins, int minSites) {
        if (bins < 1 || minSites < 1) {
            throw new IllegalArgumentException("σ from residuals needs at least 1 bin and 1 site a group, got " + bins + " and " + minSites);
        }
        List<Double> predicted = new ArrayList<>();
        SiteDataset.forEachLabelled(val, (k, i, target, z) -> predicted.add((double) served.get(k).values()[i]));
        if (predicted.isEmpty()) {
            throw new IllegalArgumentException("σ from residuals needs labelled validation sites");
        }
        double lo = DomainFitter.quantile(predicted, 0.01);
        double hi = DomainFitter.quantile(predicted, 0.99);
        double[] edges = hi > lo ? new double[bins - 1] : new double[0];
        for (int b = 0; b < edges.length; b++) {
            edges[b] = (float) (lo + (hi - lo) * (b + 1) / bins);   // as the graph holds them
        }
        int nb = edges.length + 1;
        Map<Integer, List<List<Double>>> byElement = new TreeMap<>();   // z -> per bin |errors|
        List<Double> tm = new ArrayList<>();
        List<Double> other = new ArrayList<>();
        List<Double> all = new ArrayList<>();
        SiteDataset.forEachLabelled(val, (k, i, target, z) -> {
            double y = served.get(k).values()[i];
            double err = Math.abs(y - target);
            List<List<Double>> perBin = byElement.computeIfAbsent(z, x -> {
                List<List<Double>> l = new ArrayList<>();
                for (int b = 0; b < nb; b++) {
                    l.add(new ArrayList<>());
                }
                return l;
            });
            perBin.get(Trust.ResidualStd.bin(edges, y)).add(err);
            (SiteMetrics.isTransitionMetal(z) ? tm : other).add(err);
            all.add(err);
        });
        Map<String, double[]> elementBins = new TreeMap<>();
        List<Double> tmLeft = new ArrayList<>();
        List<Double> otherLeft = new ArrayList<>();
        byElement.forEach((z, perBin) -> {
            List<Double> element = new ArrayList<>();
            perBin.forEach(element::addAll);
            if (element.size() < minSites) {
                (SiteMetrics.isTransitionMetal(z) ? tmLeft : otherLeft).addAll(element);
                return;
            }
            // the element's sites in bins too small for their own σ share one, fitted on them where they are enough
            List<Double> left = new ArrayList<>();
            for (List<Double> bin : perBin) {
                if (bin.size() < minSites) {
                    left.addAll(bin);
                }
            }
            double rest = left.size() >= minSites ? std(left) : std(element);
            double[] v = new double[nb];
            for (int b = 0; b < nb; b++) {
                v[b] = perBin.get(b).size() >= minSites ? std(perBin.get(b)) : rest;
            }
            elementBins.put(Elements.symbol(z), v);
        });
        // a class's σ is fitted on the sites of its elements without their own where they are enough, else on the whole class
        double everyone = std(all);
        double tmStd = tmLeft.size() >= minSites ? std(tmLeft) : tm.isEmpty() ? everyone : std(tm);
        double otherStd = otherLeft.size() >= minSites ? std(otherLeft) : other.isEmpty() ? everyone : std(other);
        return new Trust.ResidualStd(edges, elementBins, tmStd, otherStd, minSites);
    }

    /** q₉₀(|error|) / 1.645, at least 1e-6. */
    static double std(List<Double> errors) {
        return Math.max(DomainFitter.quantile(errors, 0.90) / Calibration.Z90, FLOOR);
    }
}
