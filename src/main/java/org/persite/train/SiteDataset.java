package org.persite.train;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.FeaturizerSettings;
import org.persite.structure.Format;
import org.persite.structure.LabeledStructure;
import org.persite.structure.ParseResult;
import org.persite.structure.Structure;
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
     * Reads a dataset and builds its graphs: a JSON Lines file (plain or .gz), keeping the records that pass
     * the filter and have the target field; or a folder of structure files with a per-site targets CSV (see
     * {@link #loadFolder}).
     */
    public static SiteDataset load(Path file, TargetSpec target, FeaturizerSettings featurizer, StructureReader reader) {
        if (Files.isDirectory(file)) {
            return loadFolder(file, target, featurizer, reader);
        }
        CrystalGraphBuilder builder = new CrystalGraphBuilder(featurizer);
        List<Example> out = new ArrayList<>();
        int[] skipped = {0};
        int[] refused = {0};
        int[] withField = {0};
        java.util.Set<String> fields = new java.util.TreeSet<>();
        reader.readFile(file, Format.JSONL, r -> {
            if (r instanceof ParseResult.Failed) {
                refused[0]++;
                return;
            }
            LabeledStructure ls = ((ParseResult.Parsed) r).value();
            fields.addAll(ls.siteTargets().keySet());
            double[] raw = ls.target(target.field());
            if (raw != null) {
                withField[0]++;
            }
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
        if (withField[0] == 0 && !fields.isEmpty()) { // a misspelt property: say what there is
            throw new IllegalArgumentException("no record of " + file.getFileName() + " has the per-site field '" + target.field()
                    + "'; its records have " + String.join(", ", fields));
        }
        return new SiteDataset(out, skipped[0], refused[0]);
    }

    /** Receives one labelled site: its example's index, its index in the structure, its target and its atomic number. */
    @FunctionalInterface
    public interface LabelledSite {
        void site(int example, int site, float target, int atomicNumber);
    }

    /** Every labelled site of the examples, in order (unlabelled, NaN, targets are skipped). */
    public static void forEachLabelled(List<Example> examples, LabelledSite visitor) {
        for (int k = 0; k < examples.size(); k++) {
            Example ex = examples.get(k);
            for (int i = 0; i < ex.targets().length; i++) {
                if (!Float.isNaN(ex.targets()[i])) {
                    visitor.site(k, i, ex.targets()[i], ex.graph().species(i));
                }
            }
        }
    }

    /** The per-site targets file of a dataset folder. */
    public static final String TARGETS_CSV = "targets.csv";

    /**
     * Reads a dataset folder: structure files (CIF, POSCAR/CONTCAR, .vasp, extended XYZ; one structure each)
     * and {@code targets.csv}, one row per labelled site: {@code structure,site,<field>[,<field>...]}, where
     * structure is a file name in the folder, site the 0-based index in persite's site order (a CIF's sites
     * after expansion to P1, as {@code persite parse} lists them), and an empty, {@code null} or {@code nan}
     * value marks an unlabelled site. Files are taken in name order; a structure without rows is skipped;
     * an unreadable structure is counted as refused. A row that names an unknown file or site, a repeated
     * site, or a missing column is a clear error with the CSV line.
     *
     * @throws IllegalArgumentException for a bad targets.csv, or a filter (a folder has no attributes to filter on)
     */
    static SiteDataset loadFolder(Path dir, TargetSpec target, FeaturizerSettings featurizer, StructureReader reader) {
        if (target.filter() != null) {
            throw new IllegalArgumentException(dir + ": a filter (" + target.filter() + ") needs JSON Lines attributes; a folder of structures has none");
        }
        Path csv = dir.resolve(TARGETS_CSV);
        Map<String, Map<Integer, Double>> rows = new HashMap<>();
        try (BufferedReader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            String headerLine = in.readLine();
            if (headerLine == null) {
                throw new IllegalArgumentException(csv + ": empty file; expected a header structure,site," + target.field());
            }
            List<String> header = Arrays.stream(headerLine.split(",", -1)).map(String::trim).toList();
            int col = header.indexOf(target.field());
            if (header.size() < 3 || !header.get(0).equals("structure") || !header.get(1).equals("site") || col < 2) {
                throw new IllegalArgumentException(csv + ":1: the header must be structure,site,<field>... and name " + target.field()
                        + "; it is " + headerLine);
            }
            String line;
            int n = 1;
            while ((line = in.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",", -1);
                if (f.length != header.size()) {
                    throw new IllegalArgumentException(csv + ":" + n + ": " + f.length + " fields, the header has " + header.size());
                }
                int site;
                try {
                    site = Integer.parseInt(f[1].trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(csv + ":" + n + ": site '" + f[1].trim() + "' is not a 0-based site index");
                }
                String v = f[col].trim();
                double value;
                if (v.isEmpty() || v.equalsIgnoreCase("null") || v.equalsIgnoreCase("nan")) {
                    value = Double.NaN;
                } else {
                    try {
                        value = Double.parseDouble(v);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(csv + ":" + n + ": " + target.field() + " '" + v + "' is not a number");
                    }
                    if (!Double.isFinite(value)) {
                        throw new IllegalArgumentException(csv + ":" + n + ": " + target.field() + " is not finite");
                    }
                }
                if (rows.computeIfAbsent(f[0].trim(), k -> new HashMap<>()).put(site, value) != null) {
                    throw new IllegalArgumentException(csv + ":" + n + ": site " + site + " of " + f[0].trim() + " is given twice");
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException(dir + ": a dataset folder needs " + TARGETS_CSV + " (structure,site," + target.field() + ")");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(csv + ": " + e.getMessage(), e);
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals(TARGETS_CSV))
                    .filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
        Set<String> present = new HashSet<>();
        files.forEach(p -> present.add(p.getFileName().toString()));
        for (String name : rows.keySet()) {
            if (!present.contains(name)) {
                throw new IllegalArgumentException(csv + ": rows for " + name + ", which is not a file in " + dir);
            }
        }
        CrystalGraphBuilder builder = new CrystalGraphBuilder(featurizer);
        List<Example> out = new ArrayList<>();
        int skipped = 0;
        int refused = 0;
        for (Path p : files) {
            String name = p.getFileName().toString();
            Map<Integer, Double> sites = rows.get(name);
            if (sites == null) {
                skipped++;
                continue;
            }
            List<ParseResult> parsed = reader.readFile(p, Format.AUTO);
            if (parsed.size() != 1 || !(parsed.get(0) instanceof ParseResult.Parsed ok)) {
                refused++;
                continue;
            }
            Structure st = ok.value().structure();
            float[] t = new float[st.size()];
            Arrays.fill(t, Float.NaN);
            for (Map.Entry<Integer, Double> e : sites.entrySet()) {
                if (e.getKey() < 0 || e.getKey() >= st.size()) {
                    throw new IllegalArgumentException(csv + ": " + name + " site " + e.getKey() + " does not exist; it has " + st.size()
                            + " sites (0.." + (st.size() - 1) + ")");
                }
                t[e.getKey()] = Double.isNaN(e.getValue()) ? Float.NaN : target.transform().apply(e.getValue());
            }
            out.add(new Example(name, builder.build(st), t));
        }
        return new SiteDataset(out, skipped, refused);
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
