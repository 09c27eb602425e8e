package org.persite.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.persite.graph.CrystalGraph;
import org.persite.graph.ElementTable;

/**
 * Whole crystals concatenated into one batch of NDArrays, neighbour indices offset, with no padding.
 * Shapes (N = atoms in the batch, M slots, A element features): atom_features [N, A], nbr_index int64
 * [N, M], nbr_distance [N, M], nbr_mask [N, M], species int64 [N]; targets [N, 1] normalised, label_mask [N, 1]
 * (0 = unlabelled), loss_weight [N, 1] (label mask times the site's weight in the loss).
 */
final class TrainingBatch {
    final NDList inputs;
    final NDArray targets;
    final NDArray labelMask;
    final NDArray lossWeight;
    final int atoms;

    /** [S, N] and [S, 1], or null: see {@link #of(NDManager, List, ElementTable, double, double, float, boolean)}. */
    private final NDArray membership;
    private final NDArray totals;

    private TrainingBatch(NDList inputs, NDArray targets, NDArray labelMask, NDArray lossWeight, int atoms, NDArray membership, NDArray totals) {
        this.inputs = inputs;
        this.targets = targets;
        this.labelMask = labelMask;
        this.lossWeight = lossWeight;
        this.atoms = atoms;
        this.membership = membership;
        this.totals = totals;
    }

    static TrainingBatch of(NDManager manager, List<SiteDataset.Example> examples, ElementTable table, double mean, double std) {
        return of(manager, examples, table, mean, std, 1f);
    }

    /** With {@code tmWeight}, a labelled transition-metal site weighs that much in the loss (1 = every site alike). */
    static TrainingBatch of(NDManager manager, List<SiteDataset.Example> examples, ElementTable table, double mean, double std, float tmWeight) {
        return of(manager, examples, table, mean, std, tmWeight, false);
    }

    /**
     * With {@code sums}, also the structures' membership [S, N] (row s is 1 on the sites of structure s when every one
     * of its sites is labelled, else all 0: no total to correct it to) and their totals [S, 1]: the labels' sum rounded
     * to an integer (a cell's charge), for {@link #conserved}.
     */
    static TrainingBatch of(NDManager manager, List<SiteDataset.Example> examples, ElementTable table, double mean, double std, float tmWeight,
            boolean sums) {
        int n = 0;
        int m = examples.get(0).graph().maxNeighbors();
        for (SiteDataset.Example e : examples) {
            n += e.graph().numSites();
        }
        int a = table.featureLength();
        float[] atomFeatures = new float[n * a];
        long[] index = new long[n * m];
        float[] distance = new float[n * m];
        float[] mask = new float[n * m];
        float[] targets = new float[n];
        float[] labelled = new float[n];
        float[] weight = new float[n];
        long[] species = new long[n];
        int offset = 0;
        for (SiteDataset.Example e : examples) {
            CrystalGraph g = e.graph();
            int sites = g.numSites();
            for (int i = 0; i < sites; i++) {
                System.arraycopy(table.features(g.species(i)), 0, atomFeatures, (offset + i) * a, a);
                float t = e.targets()[i];
                targets[offset + i] = Float.isNaN(t) ? 0f : (float) ((t - mean) / std);
                labelled[offset + i] = Float.isNaN(t) ? 0f : 1f;
                weight[offset + i] = Float.isNaN(t) ? 0f : SiteMetrics.isTransitionMetal(g.species(i)) ? tmWeight : 1f;
                species[offset + i] = g.species(i);
            }
            g.copyNeighborIndexInto(index, offset * m, offset);
            g.copyNeighborDistanceInto(distance, offset * m);
            g.copyNeighborMaskInto(mask, offset * m);
            offset += sites;
        }
        NDList inputs = new NDList(manager.create(atomFeatures, new Shape(n, a)), manager.create(index, new Shape(n, m)),
                manager.create(distance, new Shape(n, m)), manager.create(mask, new Shape(n, m)), manager.create(species, new Shape(n)));
        NDArray membership = null;
        NDArray totals = null;
        if (sums) {
            int s = examples.size();
            float[] member = new float[s * n];
            float[] total = new float[s];
            int at = 0;
            for (int k = 0; k < s; k++) {
                float[] t = examples.get(k).targets();
                double sum = 0;
                boolean all = true;
                for (float v : t) {
                    all &= !Float.isNaN(v);
                    sum += v;
                }
                if (all) {
                    java.util.Arrays.fill(member, k * n + at, k * n + at + t.length, 1f);
                    total[k] = Math.round(sum);
                }
                at += t.length;
            }
            membership = manager.create(member, new Shape(s, n));
            totals = manager.create(total, new Shape(s, 1));
        }
        return new TrainingBatch(inputs, manager.create(targets, new Shape(n, 1)), manager.create(labelled, new Shape(n, 1)),
                manager.create(weight, new Shape(n, 1)), n, membership, totals);
    }

    /**
     * The normalised outputs [N, 1] after the served graph's uniform conserved-sum correction, in normalised units:
     * with q = mean + std·y, each structure's q is shifted by (total - Σq) / n, so
     * {@code y' = y - (Σ_s y + n_s·mean/std - total_s/std) / n_s} on its sites; sites of structures without a total
     * are left as they are. Needs a batch made with {@code sums}.
     *
     * @param y [N, 1] normalised outputs
     */
    NDArray conserved(NDArray y, double mean, double std) {
        NDArray sum = membership.matMul(y);                                                    // [S, 1]
        NDArray count = membership.sum(new int[] {1}, true);                                   // [S, 1]
        NDArray shift = sum.add(count.mul((float) (mean / std))).sub(totals.div((float) std)).div(count.maximum(1f)); // [S, 1]
        return y.sub(membership.transpose().matMul(shift));                                    // [N, 1]
    }
}
