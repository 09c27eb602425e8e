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
     * σ alone (no one-sided interval).
     *
     * @param val the validation examples
     * @param served the model's outputs on them, as served (constraints applied), in the same order
     */
    public static Trust.ResidualStd fit(List<SiteDataset.Example> val, List<SiteOutputs> served, int bins, int minSites) {
        return fit(val, served, bins, minSites, 0);
    }

    /**
     * σ and, with {@code tail > 0}, the one-sided interval ({@link Trust.Interval}) of the same groups: each group's
     * {@code tail} and {@code 1 - tail} quantiles of its signed errors (label - prediction), fitted on exactly the sites
     * its σ is fitted on.
     *
     * @param val the validation examples
     * @param served the model's outputs on them, as served (constraints applied), in the same order
     * @param tail each tail's share outside the interval, in (0, 0.5); 0 for no interval
     */
    public static Trust.ResidualStd fit(List<SiteDataset.Example> val, List<SiteOutputs> served, int bins, int minSites, double tail) {
        if (bins < 1 || minSites < 1) {
            throw new IllegalArgumentException("σ from residuals needs at least 1 bin and 1 site a group, got " + bins + " and " + minSites);
        }
        if (tail != 0 && !(tail > 0 && tail < 0.5)) {
            throw new IllegalArgumentException("an interval's tail must lie in (0, 0.5) (0: no interval), got " + tail);
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
        Map<Integer, List<List<Double>>> byElement = new TreeMap<>();   // z -> per bin signed errors (label - prediction)
        List<Double> tm = new ArrayList<>();
        List<Double> other = new ArrayList<>();
        List<Double> all = new ArrayList<>();
        SiteDataset.forEachLabelled(val, (k, i, target, z) -> {
            double y = served.get(k).values()[i];
            double err = target - y;
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
        Map<String, double[]> lower = new TreeMap<>();
        Map<String, double[]> upper = new TreeMap<>();
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
            GroupFit rest = GroupFit.of(left.size() >= minSites ? left : element, tail);
            double[] v = new double[nb];
            double[] l = new double[nb];
            double[] u = new double[nb];
            for (int b = 0; b < nb; b++) {
                GroupFit f = perBin.get(b).size() >= minSites ? GroupFit.of(perBin.get(b), tail) : rest;
                v[b] = f.std();
                l[b] = f.lower();
                u[b] = f.upper();
            }
            String symbol = Elements.symbol(z);
            elementBins.put(symbol, v);
            lower.put(symbol, l);
            upper.put(symbol, u);
        });
        // a class's σ is fitted on the sites of its elements without their own where they are enough, else on the whole class
        GroupFit tmFit = GroupFit.of(tmLeft.size() >= minSites ? tmLeft : tm.isEmpty() ? all : tm, tail);
        GroupFit otherFit = GroupFit.of(otherLeft.size() >= minSites ? otherLeft : other.isEmpty() ? all : other, tail);
        Trust.Interval interval = tail == 0 ? null : new Trust.Interval(tail, lower, upper, new double[] {tmFit.lower(), tmFit.upper()},
                new double[] {otherFit.lower(), otherFit.upper()});
        return new Trust.ResidualStd(edges, elementBins, tmFit.std(), otherFit.std(), minSites, interval);
    }

    /**
     * What one group's signed errors give, each list sorted once: σ = q₉₀(|error|) / 1.645 (at least 1e-6) and, with
     * {@code tail > 0}, the {@code tail} and {@code 1 - tail} quantiles (nearest rank, as {@link DomainFitter#quantile}).
     */
    private record GroupFit(double std, double lower, double upper) {
        static GroupFit of(List<Double> errors, double tail) {
            double[] signed = new double[errors.size()];
            double[] magnitude = new double[errors.size()];
            for (int i = 0; i < signed.length; i++) {
                signed[i] = errors.get(i);
                magnitude[i] = Math.abs(signed[i]);
            }
            java.util.Arrays.sort(magnitude);
            double std = Math.max(DomainFitter.quantileOfSorted(magnitude, 0.90) / Calibration.Z90, FLOOR);
            if (tail == 0) {
                return new GroupFit(std, 0, 0);
            }
            java.util.Arrays.sort(signed);
            return new GroupFit(std, DomainFitter.quantileOfSorted(signed, tail), DomainFitter.quantileOfSorted(signed, 1 - tail));
        }
    }

}
