package org.persite.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.persite.graph.CellListOverlapFinder;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.structure.Format;
import org.persite.structure.ParseResult;
import org.persite.structure.Structure;
import org.persite.structure.StructureLimits;
import org.persite.structure.StructureReader;

/**
 * Graph building and parsing on one thread (figures are per core), at r = 8 Å and M = 12.
 * Scores are operations per second where one operation is one atom ({@code graph*}, {@code parseAndGraph*})
 * or one structure ({@code parseCif}). Run from the project root: {@code bin/bench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class GraphBenchmark {
    /** Sites in data/mp_magmom_tmo/sample_500 (the dataset README gives 16,187). */
    static final int SAMPLE_ATOMS = 16187;
    static final int SAMPLE_STRUCTURES = 500;
    static final int SUPERCELL_ATOMS = 1000;

    private final StructureReader reader = new StructureReader(StructureLimits.DEFAULTS, CellListOverlapFinder.INSTANCE);
    private final CrystalGraphBuilder builder = new CrystalGraphBuilder(8.0, 12);
    private List<Structure> sample;
    private Structure supercell;
    private List<byte[]> cifTexts;
    private List<String> cifNames;

    @Setup(Level.Trial)
    public void load() throws IOException {
        sample = new ArrayList<>();
        for (ParseResult r : reader.readFile(Path.of("data/mp_magmom_tmo/sample_500/sample_500.jsonl"), Format.JSONL)) {
            sample.add(((ParseResult.Parsed) r).value().structure());
        }
        int atoms = sample.stream().mapToInt(Structure::size).sum();
        if (sample.size() != SAMPLE_STRUCTURES || atoms != SAMPLE_ATOMS) {
            throw new IllegalStateException("unexpected sample: " + sample.size() + " structures, " + atoms + " atoms");
        }
        // rock salt, 8-atom conventional cell, 5 x 5 x 5 = 1,000 atoms
        Structure nacl = ((ParseResult.Parsed) reader.readFile(Path.of("src/test/resources/testvectors/inputs/cod-1000041.cif"), Format.CIF).get(0))
                .value().structure();
        supercell = nacl.supercell(5, 5, 5);
        if (supercell.size() != SUPERCELL_ATOMS) {
            throw new IllegalStateException("supercell has " + supercell.size() + " atoms");
        }
        cifTexts = new ArrayList<>();
        cifNames = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("data/mp_magmom_tmo/sample_500/cif"))) {
            for (Path p : files.sorted().toList()) {
                cifTexts.add(Files.readAllBytes(p));
                cifNames.add(p.getFileName().toString());
            }
        }
        if (cifTexts.size() != SAMPLE_STRUCTURES) {
            throw new IllegalStateException("expected 500 CIFs");
        }
    }

    /** Graph building on the 500 Materials Project oxides (2 to 64 atoms each); score = atoms/s. */
    @Benchmark
    @OperationsPerInvocation(SAMPLE_ATOMS)
    public void graphSample500(Blackhole bh) {
        for (Structure s : sample) {
            bh.consume(builder.build(s));
        }
    }

    /** Graph building on one 1,000-atom rock-salt supercell; score = atoms/s. */
    @Benchmark
    @OperationsPerInvocation(SUPERCELL_ATOMS)
    public void graphSupercell1000(Blackhole bh) {
        bh.consume(builder.build(supercell));
    }

    /** CIF parsing with validation (the overlap check included) of the 500 sample CIFs; score = structures/s. */
    @Benchmark
    @OperationsPerInvocation(SAMPLE_STRUCTURES)
    public void parseCif(Blackhole bh) {
        for (int k = 0; k < cifTexts.size(); k++) {
            bh.consume(reader.read(cifNames.get(k), Format.CIF, cifTexts.get(k)));
        }
    }

    /** What the reference pipeline does: parse each CIF, then build its graph; score = atoms/s. */
    @Benchmark
    @OperationsPerInvocation(SAMPLE_ATOMS)
    public void parseAndGraphSample500(Blackhole bh) {
        for (int k = 0; k < cifTexts.size(); k++) {
            for (ParseResult r : reader.read(cifNames.get(k), Format.CIF, cifTexts.get(k))) {
                bh.consume(builder.build(((ParseResult.Parsed) r).value().structure()));
            }
        }
    }
}
