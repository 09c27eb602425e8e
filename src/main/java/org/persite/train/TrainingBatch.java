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
 * [N, M], nbr_distance [N, M], nbr_mask [N, M], species int64 [N], structure int64 [N] (each atom's crystal in the batch,
 * 0 .. C - 1, read only by the crystal context); targets [N, 1] normalised, label_mask [N, 1]
 * (0 = unlabelled), loss_weight [N, 1] (label mask times the site's weight in the loss).
 */
final class TrainingBatch {
    final NDList inputs;
    final NDArray targets;
    final NDArray labelMask;
    final NDArray lossWeight;
    final int atoms;

    private TrainingBatch(NDList inputs, NDArray targets, NDArray labelMask, NDArray lossWeight, int atoms) {
        this.inputs = inputs;
        this.targets = targets;
        this.labelMask = labelMask;
        this.lossWeight = lossWeight;
        this.atoms = atoms;
    }

    static TrainingBatch of(NDManager manager, List<SiteDataset.Example> examples, ElementTable table, double mean, double std) {
        return of(manager, examples, table, mean, std, 1f);
    }

    /** With {@code tmWeight}, a labelled transition-metal site weighs that much in the loss (1 = every site alike). */
    static TrainingBatch of(NDManager manager, List<SiteDataset.Example> examples, ElementTable table, double mean, double std, float tmWeight) {
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
        long[] structure = new long[n];
        int offset = 0;
        int crystal = 0;
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
                structure[offset + i] = crystal;
            }
            g.copyNeighborIndexInto(index, offset * m, offset);
            g.copyNeighborDistanceInto(distance, offset * m);
            g.copyNeighborMaskInto(mask, offset * m);
            offset += sites;
            crystal++;
        }
        NDList inputs = new NDList(manager.create(atomFeatures, new Shape(n, a)), manager.create(index, new Shape(n, m)),
                manager.create(distance, new Shape(n, m)), manager.create(mask, new Shape(n, m)), manager.create(species, new Shape(n)),
                manager.create(structure, new Shape(n)));
        return new TrainingBatch(inputs, manager.create(targets, new Shape(n, 1)), manager.create(labelled, new Shape(n, 1)),
                manager.create(weight, new Shape(n, 1)), n);
    }
}
