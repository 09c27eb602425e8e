package org.persite.inference;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.List;
import org.persite.graph.CrystalGraph;

/**
 * Several crystal graphs concatenated into one padded batch, in direct native-order buffers ready for
 * ONNX Runtime. Graph g occupies atoms {@code offset(g) .. offset(g) + size(g) - 1}; its neighbour indices
 * are shifted by its offset. The rest, up to the bucket size, are padding atoms: species 0, every slot
 * masked and pointing at the atom itself. No real atom ever points at a padding atom, so padding cannot
 * change a prediction.
 *
 * <p>Shapes (Npad = padded atoms, M = neighbour slots): species [Npad], nbrIndex [Npad, M],
 * nbrDistance [Npad, M], nbrMask [Npad, M], siteStructure [Npad], siteTotal [Npad].
 */
public final class PaddedBatch {
    private final int paddedAtoms;
    private final int realAtoms;
    private final int maxNeighbors;
    private final int[] offsets;
    private final int[] sizes;
    private final LongBuffer species;
    private final LongBuffer nbrIndex;
    private final FloatBuffer nbrDistance;
    private final FloatBuffer nbrMask;
    private final float[] totals; // per graph, or null (all 0); site_structure and site_total are built only when asked

    private PaddedBatch(int paddedAtoms, int realAtoms, int maxNeighbors, int[] offsets, int[] sizes) {
        this.paddedAtoms = paddedAtoms;
        this.realAtoms = realAtoms;
        this.maxNeighbors = maxNeighbors;
        this.offsets = offsets;
        this.sizes = sizes;
        long slots = (long) paddedAtoms * maxNeighbors;
        this.species = direct(8L * paddedAtoms).asLongBuffer();
        this.nbrIndex = direct(8L * slots).asLongBuffer();
        this.nbrDistance = direct(4L * slots).asFloatBuffer();
        this.nbrMask = direct(4L * slots).asFloatBuffer();
        this.totals = new float[offsets.length];
    }

    private static ByteBuffer direct(long bytes) {
        return ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
    }

    /**
     * Packs graphs, in order, into one batch padded to {@code buckets}.
     *
     * @throws IllegalArgumentException if the graphs differ in M, or several graphs together exceed the
     *     largest bucket (only a single graph may, and then it runs at its exact size)
     */
    public static PaddedBatch pack(List<CrystalGraph> graphs, Buckets buckets) {
        return pack(graphs, null, buckets);
    }

    /**
     * As {@link #pack(List, Buckets)}, with each graph's conserved total (for example its charge in e; null: all 0),
     * for models with a conserved-sum property.
     */
    public static PaddedBatch pack(List<CrystalGraph> graphs, double[] totals, Buckets buckets) {
        if (totals != null && totals.length != graphs.size()) {
            throw new IllegalArgumentException(totals.length + " totals for " + graphs.size() + " graphs");
        }
        if (graphs.isEmpty()) {
            throw new IllegalArgumentException("an empty batch");
        }
        int m = graphs.get(0).maxNeighbors();
        int total = 0;
        for (CrystalGraph g : graphs) {
            if (g.maxNeighbors() != m) {
                throw new IllegalArgumentException("graphs in one batch must have the same M: " + m + " and " + g.maxNeighbors());
            }
            total += g.numSites();
        }
        if (graphs.size() > 1 && total > buckets.largest()) {
            throw new IllegalArgumentException(total + " atoms in " + graphs.size() + " graphs exceed the largest bucket " + buckets.largest());
        }
        int padded = buckets.paddedSize(total);
        int[] offsets = new int[graphs.size()];
        int[] sizes = new int[graphs.size()];
        PaddedBatch b = new PaddedBatch(padded, total, m, offsets, sizes);
        long[] idx = new long[0];
        float[] dist = new float[0];
        float[] mask = new float[0];
        int offset = 0;
        for (int k = 0; k < graphs.size(); k++) {
            CrystalGraph g = graphs.get(k);
            int n = g.numSites();
            offsets[k] = offset;
            sizes[k] = n;
            b.totals[k] = totals == null ? 0f : (float) totals[k];
            for (int i = 0; i < n; i++) {
                b.species.put(offset + i, g.species(i));
            }
            if (idx.length < n * m) {
                idx = new long[n * m];
                dist = new float[n * m];
                mask = new float[n * m];
            }
            g.copyNeighborIndexInto(idx, 0, offset);
            g.copyNeighborDistanceInto(dist, 0);
            g.copyNeighborMaskInto(mask, 0);
            b.nbrIndex.put(offset * m, idx, 0, n * m);
            b.nbrDistance.put(offset * m, dist, 0, n * m);
            b.nbrMask.put(offset * m, mask, 0, n * m);
            offset += n;
        }
        for (int i = total; i < padded; i++) { // padding atoms: species 0, all slots masked, pointing at themselves
            for (int k = 0; k < m; k++) {
                b.nbrIndex.put(i * m + k, i);
            }
        }
        return b;
    }

    /** A batch of {@code atoms} padding atoms only (for warming up a bucket shape). */
    public static PaddedBatch padding(int atoms, int maxNeighbors) {
        PaddedBatch b = new PaddedBatch(atoms, 0, maxNeighbors, new int[0], new int[0]);
        for (int i = 0; i < atoms; i++) {
            for (int k = 0; k < maxNeighbors; k++) {
                b.nbrIndex.put(i * maxNeighbors + k, i);
            }
        }
        return b;
    }

    public int paddedAtoms() {
        return paddedAtoms;
    }

    public int realAtoms() {
        return realAtoms;
    }

    public int maxNeighbors() {
        return maxNeighbors;
    }

    /** Number of graphs in the batch. */
    public int graphs() {
        return offsets.length;
    }

    public int offset(int graph) {
        return offsets[graph];
    }

    public int size(int graph) {
        return sizes[graph];
    }

    /** real atoms / padded atoms. */
    public double paddingEfficiency() {
        return (double) realAtoms / paddedAtoms;
    }

    /** species [Npad], positioned at 0. */
    public LongBuffer species() {
        return species.duplicate().rewind();
    }

    /** nbr_index [Npad·M]. */
    public LongBuffer nbrIndex() {
        return nbrIndex.duplicate().rewind();
    }

    /** nbr_distance [Npad·M]. */
    public FloatBuffer nbrDistance() {
        return nbrDistance.duplicate().rewind();
    }

    /** nbr_mask [Npad·M]. */
    public FloatBuffer nbrMask() {
        return nbrMask.duplicate().rewind();
    }

    /**
     * site_structure [Npad]: each real atom's graph index; a padding atom's own index, which no graph uses. Built on
     * each call, for models with a conserved sum only (the others never pay for it).
     */
    public LongBuffer siteStructure() {
        LongBuffer b = direct(8L * paddedAtoms).asLongBuffer();
        for (int i = 0; i < paddedAtoms; i++) {
            b.put(i, i);
        }
        for (int g = 0; g < offsets.length; g++) {
            for (int i = 0; i < sizes[g]; i++) {
                b.put(offsets[g] + i, g);
            }
        }
        return b.rewind();
    }

    /** site_total [Npad]: the conserved total of each atom's graph (0 for padding). Built on each call, as {@link #siteStructure}. */
    public FloatBuffer siteTotal() {
        FloatBuffer b = direct(4L * paddedAtoms).asFloatBuffer();
        for (int g = 0; g < offsets.length; g++) {
            for (int i = 0; i < sizes[g]; i++) {
                b.put(offsets[g] + i, totals[g]);
            }
        }
        return b.rewind();
    }

    /** The rows of graph {@code graph} from a batch output [Npad·P]: [n·P]. */
    public float[] split(float[] out, int properties, int graph) {
        float[] r = new float[sizes[graph] * properties];
        System.arraycopy(out, offsets[graph] * properties, r, 0, r.length);
        return r;
    }
}
