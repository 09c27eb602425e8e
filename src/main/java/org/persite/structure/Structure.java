package org.persite.structure;

import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable crystal structure in P1: a lattice plus N sites, each with an element and fractional
 * coordinates, in site order. Optional per-site labels (CIF site labels) ride along.
 *
 * <p>Shapes: {@code atomicNumbers} [N], {@code fractionalCoordinates} [N·3] row-major (site, axis).
 * Coordinates are kept as given (not wrapped into [0, 1)); consumers that need wrapping do it themselves.
 */
public final class Structure {
    private final String source;
    private final Lattice lattice;
    private final int[] atomicNumbers; // [N]
    private final double[] frac;       // [N·3]
    private final String[] labels;     // [N] or null

    /**
     * @param source where the structure came from (file name, block or frame); used in every error message
     * @param lattice the periodic cell
     * @param atomicNumbers [N] atomic numbers, each in 1..{@link Elements#MAX_Z}
     * @param fractionalCoordinates [N·3] fractional coordinates, row-major
     * @param labels [N] site labels, or null
     */
    public Structure(String source, Lattice lattice, int[] atomicNumbers, double[] fractionalCoordinates, String[] labels) {
        this.source = Objects.requireNonNull(source, "source");
        this.lattice = Objects.requireNonNull(lattice, "lattice");
        if (fractionalCoordinates.length != 3 * atomicNumbers.length) {
            throw new IllegalArgumentException("need 3 coordinates per site: " + atomicNumbers.length + " sites, "
                    + fractionalCoordinates.length + " coordinates");
        }
        if (labels != null && labels.length != atomicNumbers.length) {
            throw new IllegalArgumentException("need one label per site");
        }
        for (int z : atomicNumbers) {
            if (z < 1 || z > Elements.MAX_Z) {
                throw new IllegalArgumentException("no element with Z=" + z);
            }
        }
        this.atomicNumbers = atomicNumbers.clone();
        this.frac = fractionalCoordinates.clone();
        this.labels = labels == null ? null : labels.clone();
    }

    public String source() {
        return source;
    }

    public Lattice lattice() {
        return lattice;
    }

    /** Number of sites N. */
    public int size() {
        return atomicNumbers.length;
    }

    /** Atomic number of site i. */
    public int atomicNumber(int i) {
        return atomicNumbers[i];
    }

    /** Element symbol of site i. */
    public String species(int i) {
        return Elements.symbol(atomicNumbers[i]);
    }

    /** The element symbols of the sites [N], in site order. */
    public String[] speciesSymbols() {
        String[] out = new String[atomicNumbers.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Elements.symbol(atomicNumbers[i]);
        }
        return out;
    }

    /** Fractional coordinate {@code axis} (0..2) of site i. */
    public double frac(int i, int axis) {
        return frac[3 * i + axis];
    }

    /** A copy of the atomic numbers [N]. */
    public int[] atomicNumbers() {
        return atomicNumbers.clone();
    }

    /** A copy of the fractional coordinates [N·3]. */
    public double[] fractionalCoordinates() {
        return frac.clone();
    }

    /** Cartesian coordinates [N·3] in Å. */
    public double[] cartesianCoordinates() {
        double[] out = new double[frac.length];
        for (int i = 0; i < size(); i++) {
            lattice.toCartesian(frac[3 * i], frac[3 * i + 1], frac[3 * i + 2], out, 3 * i);
        }
        return out;
    }

    /** Label of site i, or null when the input had none. */
    public String label(int i) {
        return labels == null ? null : labels[i];
    }

    /** The same structure under another source name. */
    public Structure withSource(String newSource) {
        return new Structure(newSource, lattice, atomicNumbers, frac, labels);
    }

    /**
     * The na×nb×nc supercell. Site order: for each original site, the copies with the image index
     * running fastest (site i copy (u,v,w) is at {@code i·na·nb·nc + (u·nb + v)·nc + w}).
     */
    public Structure supercell(int na, int nb, int nc) {
        if (na < 1 || nb < 1 || nc < 1) {
            throw new IllegalArgumentException("supercell factors must be >= 1");
        }
        int copies = na * nb * nc;
        int n = size();
        int[] z = new int[n * copies];
        double[] f = new double[3 * n * copies];
        String[] l = labels == null ? null : new String[n * copies];
        int k = 0;
        for (int i = 0; i < n; i++) {
            for (int u = 0; u < na; u++) {
                for (int v = 0; v < nb; v++) {
                    for (int w = 0; w < nc; w++) {
                        z[k] = atomicNumbers[i];
                        f[3 * k] = (frac[3 * i] + u) / na;
                        f[3 * k + 1] = (frac[3 * i + 1] + v) / nb;
                        f[3 * k + 2] = (frac[3 * i + 2] + w) / nc;
                        if (l != null) {
                            l[k] = labels[i];
                        }
                        k++;
                    }
                }
            }
        }
        return new Structure(source + " (" + na + "x" + nb + "x" + nc + ")", lattice.scaled(na, nb, nc), z, f, l);
    }

    /** Reduced-order formula in site order of first appearance, e.g. "Li9Mn7O16". */
    public String formula() {
        int[] counts = new int[Elements.MAX_Z + 1];
        StringBuilder order = new StringBuilder();
        int distinct = 0;
        int[] firstOrder = new int[Elements.MAX_Z + 1];
        for (int z : atomicNumbers) {
            if (counts[z]++ == 0) {
                firstOrder[distinct++] = z;
            }
        }
        for (int d = 0; d < distinct; d++) {
            int z = firstOrder[d];
            order.append(Elements.symbol(z));
            if (counts[z] != 1) {
                order.append(counts[z]);
            }
        }
        return order.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Structure s && source.equals(s.source) && lattice.equals(s.lattice)
                && Arrays.equals(atomicNumbers, s.atomicNumbers) && Arrays.equals(frac, s.frac)
                && Arrays.equals(labels, s.labels);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, lattice, Arrays.hashCode(atomicNumbers), Arrays.hashCode(frac));
    }

    @Override
    public String toString() {
        return "Structure(" + source + ", " + formula() + ", " + size() + " sites, " + lattice + ")";
    }
}
