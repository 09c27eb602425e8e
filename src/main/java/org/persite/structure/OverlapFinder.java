package org.persite.structure;

/**
 * Finds two sites closer than a distance, counting periodic images (a site and its own image too). The
 * structure package defines the question; the graph package answers it with its cell list, so the
 * neighbour search exists once.
 */
@FunctionalInterface
public interface OverlapFinder {

    /** Two sites i and j (possibly i == j for a self-image) at {@code distance} Å. */
    record Overlap(int i, int j, double distance) {
    }

    /** The closest pair closer than {@code minDistance} Å, or null if there is none. */
    Overlap find(Structure structure, double minDistance);
}
