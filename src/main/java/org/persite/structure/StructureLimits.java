package org.persite.structure;

import com.typesafe.config.Config;

/**
 * The limits a structure must meet to be accepted. Each one is a key under {@code persite.structure} in
 * the configuration (see {@code reference.conf}).
 *
 * @param maxAtoms most sites per structure after symmetry expansion ({@code max-atoms})
 * @param minDistance smallest allowed distance in Å between two sites, or a site and its own periodic
 *     image ({@code min-distance})
 * @param maxAtomicNumber highest atomic number accepted; the element table must cover it
 *     ({@code max-atomic-number})
 * @param maxInputBytes largest input accepted, in bytes ({@code max-input-bytes})
 * @param mergeTolerance sites produced by symmetry expansion that land within this distance (Å) of each
 *     other are one site ({@code merge-tolerance})
 * @param strict a structure the reader could read only by assuming something (a warning) is refused instead,
 *     with {@link ErrorKind#ASSUMPTION} ({@code strict})
 */
public record StructureLimits(int maxAtoms, double minDistance, int maxAtomicNumber, long maxInputBytes, double mergeTolerance, boolean strict) {

    /** The documented defaults: 5,000 atoms, 0.5 Å, Z ≤ 100, 64 MiB, 0.01 Å, warnings not fatal. */
    public static final StructureLimits DEFAULTS = new StructureLimits(5000, 0.5, 100, 64L << 20, 0.01, false);

    /** Limits whose warnings are not fatal. */
    public StructureLimits(int maxAtoms, double minDistance, int maxAtomicNumber, long maxInputBytes, double mergeTolerance) {
        this(maxAtoms, minDistance, maxAtomicNumber, maxInputBytes, mergeTolerance, false);
    }

    public StructureLimits {
        if (maxAtoms < 1) {
            throw new IllegalArgumentException("max-atoms must be >= 1");
        }
        if (!(minDistance >= 0)) {
            throw new IllegalArgumentException("min-distance must be >= 0");
        }
        if (maxAtomicNumber < 1 || maxAtomicNumber > Elements.MAX_Z) {
            throw new IllegalArgumentException("max-atomic-number must be in 1.." + Elements.MAX_Z);
        }
        if (maxInputBytes < 1) {
            throw new IllegalArgumentException("max-input-bytes must be >= 1");
        }
        if (!(mergeTolerance >= 0)) {
            throw new IllegalArgumentException("merge-tolerance must be >= 0");
        }
    }

    /** Reads the limits from a {@code persite.structure} config section. */
    public static StructureLimits fromConfig(Config c) {
        return new StructureLimits(c.getInt("max-atoms"), c.getDouble("min-distance"), c.getInt("max-atomic-number"),
                c.getBytes("max-input-bytes"), c.getDouble("merge-tolerance"), c.hasPath("strict") && c.getBoolean("strict"));
    }

    public StructureLimits withMaxAtoms(int n) {
        return new StructureLimits(n, minDistance, maxAtomicNumber, maxInputBytes, mergeTolerance, strict);
    }

    public StructureLimits withMaxAtomicNumber(int z) {
        return new StructureLimits(maxAtoms, minDistance, z, maxInputBytes, mergeTolerance, strict);
    }

    /** These limits with warnings fatal (or not): {@code --strict}. */
    public StructureLimits withStrict(boolean s) {
        return new StructureLimits(maxAtoms, minDistance, maxAtomicNumber, maxInputBytes, mergeTolerance, s);
    }
}
