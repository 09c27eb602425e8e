package org.persite.structure;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;
import org.persite.graph.CellListOverlapFinder;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.FeaturizerSettings;

/**
 * Coverage-guided fuzzing (Jazzer) of every reader, the explicit-structure path and the graph builder behind
 * them. In a normal test run each target replays its committed corpus
 * ({@code src/test/resources/org/persite/structure/ReaderFuzzTestInputs/<target>/}: the test vectors, data/examples
 * and every finding); {@code JAZZER_FUZZ=1} fuzzes one target (docs/fuzzing.md).
 *
 * <p>The oracle: a reader never fails with anything but a typed refusal (an {@link ErrorKind#INTERNAL} result is a
 * reader bug, since the reader turns its own exceptions into one); every structure it accepts has finite
 * coordinates in [0, 1), a positive volume and at most the configured atoms; and its graph has at most M
 * neighbours per site, finite distances within the cutoff, real slots before masked ones, and masked slots
 * pointing at their own site. Jazzer's own timeout catches a hang.
 */
class ReaderFuzzTest {
    static final StructureLimits LIMITS = StructureLimits.DEFAULTS.withMaxAtoms(400);
    static final StructureReader READER = new StructureReader(LIMITS, CellListOverlapFinder.INSTANCE);
    static final StructureValidator VALIDATOR = new StructureValidator(LIMITS, CellListOverlapFinder.INSTANCE);
    static final CrystalGraphBuilder GRAPHS = new CrystalGraphBuilder(FeaturizerSettings.reference());

    /** While fuzzing (not in a CI replay, whose machine may be slower), an input that takes over 1 s is a finding. */
    static final boolean TIMED = System.getenv("JAZZER_FUZZ") != null;

    @FuzzTest(maxDuration = "20m", maxExecutions = 1_000_000)
    void cif(byte[] data) {
        readTimed("fuzz.cif", Format.CIF, data);
    }

    @FuzzTest(maxDuration = "20m", maxExecutions = 1_000_000)
    void poscar(byte[] data) {
        readTimed("POSCAR", Format.POSCAR, data);
    }

    @FuzzTest(maxDuration = "20m", maxExecutions = 1_000_000)
    void extxyz(byte[] data) {
        readTimed("fuzz.extxyz", Format.EXTXYZ, data);
    }

    @FuzzTest(maxDuration = "20m", maxExecutions = 1_000_000)
    void jsonl(byte[] data) {
        readTimed("fuzz.jsonl", Format.JSONL, data);
    }

    /**
     * Reads one input, checks the oracle, and (while fuzzing) its time. An input over 1 s is read again before it counts:
     * the first inputs of a run pay for class loading and the JIT, and a busy machine can stall one read; an input
     * that is slow twice is slow.
     */
    static void readTimed(String name, Format format, byte[] data) {
        long ms = timed(() -> check(READER.read(name, format, data)));
        if (TIMED && ms > 1000) {
            long again = timed(() -> READER.read(name, format, data));
            if (again > 1000) {
                throw new AssertionError("one input took " + ms + " ms, and " + again + " ms read again (the oracle allows 1 s)");
            }
        }
    }

    private static long timed(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** The lattice, species and coordinates as a client sends them in ExplicitStructure. */
    @FuzzTest(maxDuration = "20m", maxExecutions = 1_000_000)
    void explicit(FuzzedDataProvider in) {
        double[] lattice = new double[in.consumeInt(0, 1) == 0 ? 9 : in.consumeInt(0, 12)];
        for (int k = 0; k < lattice.length; k++) {
            lattice[k] = in.consumeBoolean() ? in.consumeRegularDouble(-30, 30) : in.consumeDouble();
        }
        int n = in.consumeInt(0, 24);
        String[] species = new String[n];
        for (int i = 0; i < n; i++) {
            species[i] = in.consumeBoolean() ? Elements.symbol(in.consumeInt(1, 100)) : in.consumeString(4);
        }
        double[] frac = new double[in.consumeBoolean() ? 3 * n : in.consumeInt(0, 80)];
        for (int k = 0; k < frac.length; k++) {
            frac[k] = in.consumeBoolean() ? in.consumeRegularDouble(-2, 2) : in.consumeDouble();
        }
        Structure s;
        try {
            s = VALIDATOR.fromArrays("explicit", 0, lattice, species, frac);
        } catch (StructureException refused) {
            return;
        }
        invariants(s);
    }

    static void check(List<ParseResult> results) {
        for (ParseResult r : results) {
            if (r instanceof ParseResult.Failed f) {
                if (f.error().kind() == ErrorKind.INTERNAL) {
                    throw new AssertionError("a reader bug: " + f.error().getMessage());
                }
                if (f.error().getMessage() == null || f.error().getMessage().isBlank()) {
                    throw new AssertionError("a refusal without a reason");
                }
            } else {
                invariants(((ParseResult.Parsed) r).value().structure());
            }
        }
    }

    static void invariants(Structure s) {
        if (s.size() < 1 || s.size() > LIMITS.maxAtoms()) {
            throw new AssertionError(s.size() + " atoms accepted");
        }
        if (!(s.lattice().volume() > 0) || !Double.isFinite(s.lattice().volume())) {
            throw new AssertionError("volume " + s.lattice().volume() + " accepted");
        }
        for (int i = 0; i < s.size(); i++) {
            for (int a = 0; a < 3; a++) {
                double f = s.frac(i, a);
                if (!Double.isFinite(f)) {
                    throw new AssertionError("site " + i + " has coordinate " + f);
                }
            }
        }
        CrystalGraph g = GRAPHS.build(s);
        int m = g.maxNeighbors();
        for (int i = 0; i < g.numSites(); i++) {
            int count = g.neighborCount(i);
            if (count < 0 || count > m) {
                throw new AssertionError("site " + i + " has " + count + " neighbours of " + m + " slots");
            }
            for (int k = 0; k < m; k++) {
                boolean real = g.isNeighbor(i, k);
                if (real != (k < count)) {
                    throw new AssertionError("site " + i + " slot " + k + ": mask " + real + " but " + count + " real neighbours");
                }
                float d = g.neighborDistance(i, k);
                if (real && (!Float.isFinite(d) || d < 0 || d > g.cutoff() + 1e-4)) {
                    throw new AssertionError("site " + i + " slot " + k + " distance " + d);
                }
                if (!real && g.neighborIndex(i, k) != i) {
                    throw new AssertionError("site " + i + " masked slot " + k + " points at " + g.neighborIndex(i, k));
                }
            }
        }
    }
}
