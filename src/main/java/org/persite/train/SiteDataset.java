package org.persite.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.FeaturizerSettings;
import org.persite.structure.Format;
import org.persite.structure.LabeledStructure;
import org.persite.structure.ParseResult;
import org.persite.structure.StructureReader;

/**
 * Crystal graphs with per-site targets, each graph built once (with the graph package) and kept.
 * Unlabelled sites (null in the data, NaN here) stay in the graph but are left out of the loss and metrics.
 */
public final class SiteDataset {

    /**
     * One structure.
     *
     * @param targets [N] transformed target values, NaN where unlabelled
     */
    public record Example(String id, CrystalGraph graph, float[] targets) {
    }

    /** Indices into the examples: 60% train, 20% validation, 20% test. */
    public record Split(List<Integer> train, List<Integer> validation, List<Integer> test) {
    }

    private final List<Example> examples;
    private final int skipped;
    private final int refused;

    private SiteDataset(List<Example> examples, int skipped, int refused) {
        this.examples = List.copyOf(examples);
        this.skipped = skipped;
        this.refused = refused;
    }

    /**
     * Reads a JSON Lines dataset (plain or .gz), keeps the records that pass the filter and have the target
     * field, and builds their graphs.
     */
    public static SiteDataset load(Path file, TargetSpec target, FeaturizerSettings featurizer, StructureReader reader) {
        CrystalGraphBuilder builder = new CrystalGraphBuilder(featurizer);
        List<Example> out = new ArrayList<>();
        int[] skipped = {0};
        int[] refused = {0};
        reader.readFile(file, Format.JSONL, r -> {
            if (r instanceof ParseResult.Failed) {
                refused[0]++;
                return;
            }
            LabeledStructure ls = ((ParseResult.Parsed) r).value();
            double[] raw = ls.target(target.field());
            if (raw == null || (target.filter() != null && !Boolean.TRUE.equals(ls.attributes().get(target.filter())))) {
                skipped[0]++;
                return;
            }
            float[] t = new float[raw.length];
            for (int i = 0; i < raw.length; i++) {
                t[i] = Double.isNaN(raw[i]) ? Float.NaN : target.transform().apply(raw[i]);
            }
            out.add(new Example(ls.structure().source(), builder.build(ls.structure()), t));
        });
        return new SiteDataset(out, skipped[0], refused[0]);
    }

    /** A dataset of given examples (tests, subsets). */
    public static SiteDataset of(List<Example> examples) {
        return new SiteDataset(examples, 0, 0);
    }

    public List<Example> examples() {
        return examples;
    }

    public Example get(int i) {
        return examples.get(i);
    }

    public int size() {
        return examples.size();
    }

    /** Records left out by the filter or for lacking the target. */
    public int skipped() {
        return skipped;
    }

    /** Records that could not be read. */
    public int refused() {
        return refused;
    }

    /** The random 60/20/20 split by structure of the paper's protocol; the same seed gives the same split. */
    public Split split(long seed) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
            idx.add(i);
        }
        Collections.shuffle(idx, new Random(seed));
        int nTrain = (int) Math.round(0.6 * idx.size());
        int nVal = (int) Math.round(0.2 * idx.size());
        return new Split(List.copyOf(idx.subList(0, nTrain)), List.copyOf(idx.subList(nTrain, nTrain + nVal)),
                List.copyOf(idx.subList(nTrain + nVal, idx.size())));
    }
}
