package org.persite.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Does a site grouping hold information a trained model lacks? Each site's prediction is shifted by its group's median
 * residual (label - prediction), fitted on the other half of the crystals (two-fold, by crystal, so no site corrects
 * itself), and floored at 0; the MAE after that is compared with a control grouping's. Under L1 the median shift is
 * the best constant per group, so a grouping that separates sites the model confuses lowers the MAE.
 */
final class GroupCorrection {
    /** A group is corrected only with at least this many fitting sites. */
    static final int MIN_GROUP = 20;

    private GroupCorrection() {
    }

    /** One labelled site: the half of the crystals it is in (0 or 1), its prediction and its label. */
    interface Site {
        int half();

        float prediction();

        float label();
    }

    /** The MAE after the cross-fitted correction by {@code key}. */
    static <T extends Site> double corrected(List<T> sites, Function<T, String> key) {
        List<Map<String, List<Double>>> residuals = List.of(new HashMap<>(), new HashMap<>());
        for (T s : sites) {
            residuals.get(s.half()).computeIfAbsent(key.apply(s), k -> new ArrayList<>()).add((double) (s.label() - s.prediction()));
        }
        double sum = 0;
        for (T s : sites) {
            List<Double> fit = residuals.get(1 - s.half()).get(key.apply(s));
            double shift = fit == null || fit.size() < MIN_GROUP ? 0 : median(fit.stream().mapToDouble(Double::doubleValue).toArray());
            sum += Math.abs(Math.max(0, s.prediction() + shift) - s.label());
        }
        return sum / sites.size();
    }

    /** The MAE as predicted. */
    static <T extends Site> double raw(List<T> sites) {
        return sites.stream().mapToDouble(s -> Math.abs(s.prediction() - s.label())).average().orElse(Double.NaN);
    }

    /** The predicted-moment bin of width 0.5 (the control's). */
    static long bin(float prediction) {
        return Math.round(Math.floor(prediction / 0.5));
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
