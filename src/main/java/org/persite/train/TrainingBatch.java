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
 * [N, M], nbr_distance [N, M], nbr_mask [N, M]; targets [N] normalised, label_mask [N] (0 = unlabelled).
 */
final class TrainingBatch {
    final NDList inputs;
    final NDArray targets;
    final NDArray labelMask;
    final int atoms;

    private TrainingBatch(NDList inputs, NDArray targets, NDArray labelMask, int atoms) {
        this.inputs = inputs;
        this.targets = targets;
        this.labelMask = labelMask;
        this.atoms = atoms;
    }

    static TrainingBatch of(NDManager manager, List<SiteDataset.Example> examples, ElementTable table, double mean, double std) {
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
        int offset = 0;
        for (SiteDataset.Example e : examples) {
            CrystalGraph g = e.graph();
            int sites = g.numSites();
            for (int i = 0; i < sites; i++) {
                System.arraycopy(table.features(g.species(i)), 0, atomFeatures, (offset + i) * a, a);
                float t = e.targets()[i];
                targets[offset + i] = Float.isNaN(t) ? 0f : (float) ((t - mean) / std);
                labelled[offset + i] = Float.isNaN(t) ? 0f : 1f;
            }
            g.copyNeighborIndexInto(index, offset * m, offset);
            g.copyNeighborDistanceInto(distance, offset * m);
            g.copyNeighborMaskInto(mask, offset * m);
            offset += sites;
        }
        NDList inputs = new NDList(manager.create(atomFeatures, new Shape(n, a)), manager.create(index, new Shape(n, m)),
                manager.create(distance, new Shape(n, m)), manager.create(mask, new Shape(n, m)));
        return new TrainingBatch(inputs, manager.create(targets, new Shape(n, 1)), manager.create(labelled, new Shape(n, 1)), n);
    }
}
