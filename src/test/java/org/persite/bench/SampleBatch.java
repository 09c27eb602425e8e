package org.persite.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.persite.graph.CellListOverlapFinder;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.inference.Buckets;
import org.persite.inference.PaddedBatch;
import org.persite.structure.Format;
import org.persite.structure.ParseResult;
import org.persite.structure.StructureLimits;
import org.persite.structure.StructureReader;

/** A padded batch of real sample_500 structures filled up to one bucket, as the batcher fills it (for the measuring aids). */
final class SampleBatch {
    private SampleBatch() {
    }

    /** sample_500's structures, in file order, while they fit in {@code bucket} atoms: [bucket, M] inputs. */
    static PaddedBatch fill(CrystalGraphBuilder builder, int bucket) {
        StructureReader reader = new StructureReader(StructureLimits.DEFAULTS, CellListOverlapFinder.INSTANCE);
        List<CrystalGraph> graphs = new ArrayList<>();
        int atoms = 0;
        for (ParseResult r : reader.readFile(Path.of("data/mp_magmom_tmo/sample_500/sample_500.jsonl"), Format.JSONL)) {
            CrystalGraph g = builder.build(((ParseResult.Parsed) r).value().structure());
            if (atoms + g.numSites() > bucket) {
                break;
            }
            graphs.add(g);
            atoms += g.numSites();
        }
        return PaddedBatch.pack(graphs, new Buckets(List.of(bucket)));
    }
}
