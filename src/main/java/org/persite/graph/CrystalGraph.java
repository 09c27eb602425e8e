package org.persite.graph;

import java.util.Arrays;

/**
 * The crystal graph of one structure: for every site, its M nearest periodic neighbours within the cutoff,
 * sorted by distance, as flat arrays ready to become tensors. Immutable; accessors of whole arrays return
 * copies, and {@code copy*Into} methods write straight into batch buffers.
 *
 * <p>Shapes (N sites, M neighbour slots):
 * <ul>
 *   <li>{@code species} [N]: atomic numbers</li>
 *   <li>{@code neighborIndex} [N·M]: the neighbour's site index (0..N-1)</li>
 *   <li>{@code neighborDistance} [N·M]: distance in Å (float32)</li>
 *   <li>{@code neighborMask} [N·M]: 1 for a real neighbour, 0 for an empty slot</li>
 *   <li>{@code neighborImage} [N·M·3]: the lattice translation (i, j, k) of the neighbour's image, relative
 *       to the input's own fractional coordinates</li>
 *   <li>{@code countWithinCutoff} [N]: how many periodic neighbours lie within the cutoff in all</li>
 * </ul>
 * Slots beyond the neighbours found (a molecule in vacuum, a short cutoff) are masked: index = the site
 * itself, distance 0, image (0,0,0) and mask 0. They are never filled with fake neighbours, and a
 * consumer must weight them by the mask.
 */
public final class CrystalGraph {
    private final int numSites;
    private final int maxNeighbors;
    private final double cutoff;
    private final int[] species;
    private final int[] neighborIndex;
    private final float[] neighborDistance;
    private final float[] neighborMask;
    private final int[] neighborImage;
    private final int[] countWithinCutoff;

    CrystalGraph(int numSites, int maxNeighbors, double cutoff, int[] species, int[] neighborIndex, float[] neighborDistance,
            float[] neighborMask, int[] neighborImage, int[] countWithinCutoff) {
        this.numSites = numSites;
        this.maxNeighbors = maxNeighbors;
        this.cutoff = cutoff;
        this.species = species;
        this.neighborIndex = neighborIndex;
        this.neighborDistance = neighborDistance;
        this.neighborMask = neighborMask;
        this.neighborImage = neighborImage;
        this.countWithinCutoff = countWithinCutoff;
    }

    /** N. */
    public int numSites() {
        return numSites;
    }

    /** M. */
    public int maxNeighbors() {
        return maxNeighbors;
    }

    /** The cutoff r in Å that the graph was built with. */
    public double cutoff() {
        return cutoff;
    }

    public int species(int site) {
        return species[site];
    }

    /** Index of the neighbour in slot {@code slot} (0..M-1) of site {@code site}. */
    public int neighborIndex(int site, int slot) {
        return neighborIndex[site * maxNeighbors + slot];
    }

    /** Distance in Å of slot {@code slot} of site {@code site} (0 for a masked slot). */
    public float neighborDistance(int site, int slot) {
        return neighborDistance[site * maxNeighbors + slot];
    }

    /** Whether slot {@code slot} of site {@code site} holds a real neighbour. */
    public boolean isNeighbor(int site, int slot) {
        return neighborMask[site * maxNeighbors + slot] != 0f;
    }

    /** Lattice translation component {@code axis} of the image in slot {@code slot} of site {@code site}. */
    public int neighborImage(int site, int slot, int axis) {
        return neighborImage[3 * (site * maxNeighbors + slot) + axis];
    }

    /** Number of real (unmasked) slots of a site: min(M, countWithinCutoff). */
    public int neighborCount(int site) {
        return Math.min(maxNeighbors, countWithinCutoff[site]);
    }

    /** Number of periodic neighbours of a site within the cutoff, before keeping the M nearest. */
    public int countWithinCutoff(int site) {
        return countWithinCutoff[site];
    }

    /** [N] atomic numbers. */
    public int[] species() {
        return species.clone();
    }

    /** [N·M] neighbour indices. */
    public int[] neighborIndex() {
        return neighborIndex.clone();
    }

    /** [N·M] neighbour distances in Å. */
    public float[] neighborDistance() {
        return neighborDistance.clone();
    }

    /** [N·M] 1/0 mask. */
    public float[] neighborMask() {
        return neighborMask.clone();
    }

    /** [N·M·3] image translations. */
    public int[] neighborImage() {
        return neighborImage.clone();
    }

    /** [N] counts within the cutoff. */
    public int[] countWithinCutoff() {
        return countWithinCutoff.clone();
    }

    /**
     * Writes the [N·M] neighbour indices into {@code dst} from {@code dstOffset}, adding {@code indexOffset}
     * to each (the site offset of this graph inside a batch).
     */
    public void copyNeighborIndexInto(long[] dst, int dstOffset, long indexOffset) {
        for (int k = 0; k < neighborIndex.length; k++) {
            dst[dstOffset + k] = neighborIndex[k] + indexOffset;
        }
    }

    /** Writes the [N·M] distances into {@code dst} from {@code dstOffset}. */
    public void copyNeighborDistanceInto(float[] dst, int dstOffset) {
        System.arraycopy(neighborDistance, 0, dst, dstOffset, neighborDistance.length);
    }

    /** Writes the [N·M] mask into {@code dst} from {@code dstOffset}. */
    public void copyNeighborMaskInto(float[] dst, int dstOffset) {
        System.arraycopy(neighborMask, 0, dst, dstOffset, neighborMask.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CrystalGraph g && numSites == g.numSites && maxNeighbors == g.maxNeighbors && cutoff == g.cutoff
                && Arrays.equals(species, g.species) && Arrays.equals(neighborIndex, g.neighborIndex)
                && Arrays.equals(neighborDistance, g.neighborDistance) && Arrays.equals(neighborMask, g.neighborMask)
                && Arrays.equals(neighborImage, g.neighborImage) && Arrays.equals(countWithinCutoff, g.countWithinCutoff);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(neighborIndex) * 31 + Arrays.hashCode(neighborDistance);
    }

    @Override
    public String toString() {
        return "CrystalGraph(" + numSites + " sites, M=" + maxNeighbors + ", r=" + cutoff + " Å)";
    }
}
