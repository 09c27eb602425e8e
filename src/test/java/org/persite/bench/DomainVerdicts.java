package org.persite.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.persite.config.PersiteConfig;
import org.persite.graph.CellListOverlapFinder;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.ElementTable;
import org.persite.inference.Buckets;
import org.persite.inference.Device;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.inference.SiteOutputs;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.structure.Elements;
import org.persite.structure.Format;
import org.persite.structure.ParseResult;
import org.persite.structure.Structure;
import org.persite.structure.StructureReader;
import org.persite.train.DomainFitter;
import org.persite.train.Evaluation;
import org.persite.train.SiteDataset;
import org.persite.train.TrainingProvenance;

/**
 * How candidate structure verdicts separate the out-of-domain probes from a model's own test structures. For each
 * per-structure statistic of the site domain scores (mean, median, lowest, 25% quantile), the threshold is the
 * validation split's 99% quantile, as {@code TrustFitting} fits the card's; the aid prints the share of test
 * structures each rule flags and which probes it misses, and the same for "mean or lowest" (the card's verdict).
 * It also tries a check on the input alone: a first-shell contact ("Fe-S": an Fe site with S in its first shell,
 * or with {@code -Dsignatures=true} the whole shell, "Fe[S]") seen at fewer than 1, 5, 20 or 50 training sites.
 *
 * <pre>bin/bench-run org.persite.bench.DomainVerdicts MODEL_FOLDER... [--data FILE] [--probes FOLDER]</pre>
 */
public final class DomainVerdicts {
    private static final String[] STATS = {"mean", "median", "lowest", "q25"};

    public static void main(String[] args) throws Exception {
        Path data = Path.of("data/mp_magmom_tmo/structures.jsonl.gz");
        Path probes = Path.of("data/probes");
        List<Path> models = new ArrayList<>();
        for (int a = 0; a < args.length; a++) {
            switch (args[a]) {
                case "--data" -> data = Path.of(args[++a]);
                case "--probes" -> probes = Path.of(args[++a]);
                default -> models.add(Path.of(args[a]));
            }
        }
        StructureReader reader = new StructureReader(PersiteConfig.load().structureLimits(ElementTable.cgcnn()), CellListOverlapFinder.INSTANCE);
        List<Structure> probeStructures = probes(reader, probes);
        SiteDataset ds = null;
        for (Path model : models) {
            LoadedModel m = ModelDirectory.load(ModelDirectory.resolve(model));
            TrainingProvenance trained = TrainingProvenance.of(m.spec());
            if (ds == null) {
                ds = SiteDataset.load(data, trained.target(), m.spec().featurizer(), reader);
            }
            SiteDataset.Split split = ds.split(trained.splitSeed());
            List<SiteDataset.Example> val = split.validation().stream().map(ds::get).toList();
            List<SiteDataset.Example> test = split.test().stream().map(ds::get).toList();
            List<float[]> valScores;
            List<float[]> testScores;
            List<float[]> probeScores = new ArrayList<>();
            try (OnnxInferenceEngine e = OnnxInferenceEngine.open(m, Device.CPU, false, 0)) {
                valScores = Evaluation.outputs(e, val, null).stream().map(SiteOutputs::domain).toList();
                testScores = Evaluation.outputs(e, test, null).stream().map(SiteOutputs::domain).toList();
                CrystalGraphBuilder builder = new CrystalGraphBuilder(m.spec().featurizer());
                for (Structure s : probeStructures) {
                    probeScores.add(e.layout().split(e.predictOne(builder.build(s), Buckets.defaults())).domain());
                }
            }
            System.out.printf(Locale.ROOT, "%s (v%d, card threshold %.3f)%n", model, m.spec().version(), m.spec().trust().domain().threshold());
            double[] thresholds = new double[STATS.length];
            boolean[][] testFlags = new boolean[STATS.length][test.size()];
            boolean[][] probeFlags = new boolean[STATS.length][probeStructures.size()];
            for (int s = 0; s < STATS.length; s++) {
                List<Double> v = new ArrayList<>();
                for (float[] d : valScores) {
                    v.add(stat(STATS[s], d));
                }
                thresholds[s] = DomainFitter.quantile(v, 0.99);
                int flagged = 0;
                for (int k = 0; k < test.size(); k++) {
                    testFlags[s][k] = stat(STATS[s], testScores.get(k)) > thresholds[s];
                    flagged += testFlags[s][k] ? 1 : 0;
                }
                StringBuilder missed = new StringBuilder();
                int caught = 0;
                for (int p = 0; p < probeStructures.size(); p++) {
                    double x = stat(STATS[s], probeScores.get(p));
                    probeFlags[s][p] = x > thresholds[s];
                    caught += probeFlags[s][p] ? 1 : 0;
                    if (!probeFlags[s][p]) {
                        missed.append(String.format(Locale.ROOT, " %s %.3f", probeStructures.get(p).formula(), x));
                    }
                }
                System.out.printf(Locale.ROOT, "  %-6s threshold %.3f: test flagged %.2f%%, probes %d/%d; missed:%s%n", STATS[s], thresholds[s],
                        100.0 * flagged / test.size(), caught, probeStructures.size(), missed);
            }
            int[] pair = {0, 2};
            int flagged = 0;
            for (int k = 0; k < test.size(); k++) {
                flagged += testFlags[pair[0]][k] || testFlags[pair[1]][k] ? 1 : 0;
            }
            int caught = 0;
            for (int p = 0; p < probeStructures.size(); p++) {
                caught += probeFlags[pair[0]][p] || probeFlags[pair[1]][p] ? 1 : 0;
            }
            System.out.printf(Locale.ROOT, "  mean or lowest: test flagged %.2f%%, probes %d/%d%n", 100.0 * flagged / test.size(), caught, probeStructures.size());
            Map<String, Long> contacts = new TreeMap<>();
            for (int k : split.train()) {
                keys(ds.get(k).graph()).forEach(c -> contacts.merge(c, 1L, Long::sum));
            }
            CrystalGraphBuilder builder = new CrystalGraphBuilder(m.spec().featurizer());
            List<CrystalGraph> probeGraphs = probeStructures.stream().map(builder::build).toList();
            for (long least : new long[] {1, 5, 10, 20, 50}) {
                int testRare = 0;
                int testEither = 0;
                for (int k = 0; k < test.size(); k++) {
                    boolean rare = rarest(test.get(k).graph(), contacts) < least;
                    testRare += rare ? 1 : 0;
                    testEither += rare || testFlags[0][k] || testFlags[2][k] ? 1 : 0;
                }
                int probeRare = 0;
                int probeEither = 0;
                StringBuilder missed = new StringBuilder();
                for (int p = 0; p < probeGraphs.size(); p++) {
                    boolean rare = rarest(probeGraphs.get(p), contacts) < least;
                    probeRare += rare ? 1 : 0;
                    probeEither += rare || probeFlags[0][p] || probeFlags[2][p] ? 1 : 0;
                    if (!rare) {
                        missed.append(' ').append(probeStructures.get(p).formula());
                    }
                }
                System.out.printf(Locale.ROOT, "  a contact at < %d training sites: test flagged %.2f%%, probes %d/%d (missed:%s); with mean or lowest: test %.2f%%, probes %d/%d%n",
                        least, 100.0 * testRare / test.size(), probeRare, probeGraphs.size(), missed, 100.0 * testEither / test.size(), probeEither, probeGraphs.size());
            }
            StringBuilder pc = new StringBuilder("  probe contacts (training sites):");
            for (int p = 0; p < probeGraphs.size(); p++) {
                pc.append(' ').append(probeStructures.get(p).formula()).append(" {");
                for (String c : new java.util.TreeSet<>(keys(probeGraphs.get(p)))) {
                    pc.append(c).append(':').append(contacts.getOrDefault(c, 0L)).append(' ');
                }
                pc.append('}');
            }
            System.out.println(pc);
            StringBuilder each = new StringBuilder("  probe sites (lowest..highest):");
            for (int p = 0; p < probeStructures.size(); p++) {
                float[] d = probeScores.get(p).clone();
                Arrays.sort(d);
                each.append(String.format(Locale.ROOT, " %s %.2f..%.2f", probeStructures.get(p).formula(), d[0], d[d.length - 1]));
            }
            System.out.println(each);
        }
    }

    /** The POSCAR-* structures of a probe folder, by file name. */
    static List<Structure> probes(StructureReader reader, Path folder) throws java.io.IOException {
        List<Structure> out = new ArrayList<>();
        try (var files = Files.list(folder)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("POSCAR")).sorted().toList()) {
                out.add(((ParseResult.Parsed) reader.readFile(f, Format.POSCAR).get(0)).value().structure());
            }
        }
        return out;
    }

        static final boolean SIGNATURES = Boolean.getBoolean("signatures");

    /** Each site's contacts ("Fe-O"), or with -Dsignatures=true its shell signature ("Fe[O,S]"), once per site. */
    static List<String> keys(CrystalGraph g) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < g.numSites(); i++) {
            int[] shell = FirstShell.elements(g, i, FirstShell.DEFAULT_TOLERANCE);
            if (SIGNATURES) {
                StringBuilder b = new StringBuilder(Elements.symbol(g.species(i))).append('[');
                for (int z : shell) {
                    b.append(Elements.symbol(z)).append(z == shell[shell.length - 1] ? "" : ",");
                }
                out.add(b.append(']').toString());
            } else {
                for (int z : shell) {
                    out.add(FirstShell.contact(g.species(i), z));
                }
            }
        }
        return out;
    }

    static long rarest(CrystalGraph g, Map<String, Long> contacts) {
        long least = Long.MAX_VALUE;
        for (String c : keys(g)) {
            least = Math.min(least, contacts.getOrDefault(c, 0L));
        }
        return least;
    }

    static double stat(String name, float[] scores) {
        double[] d = new double[scores.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = Float.isNaN(scores[i]) ? Double.POSITIVE_INFINITY : scores[i];
        }
        Arrays.sort(d);
        return switch (name) {
            case "mean" -> Arrays.stream(d).average().orElse(0);
            case "median" -> d.length % 2 == 1 ? d[d.length / 2] : 0.5 * (d[d.length / 2 - 1] + d[d.length / 2]);
            case "lowest" -> d[0];
            case "q25" -> d[(int) Math.floor(0.25 * (d.length - 1))];
            default -> throw new IllegalArgumentException(name);
        };
    }

    /**
     * A site's first coordination shell in a crystal graph: its real neighbours no farther than {@code 1 + tolerance}
     * times its nearest one (the minimum-distance criterion of pymatgen's {@code MinimumDistanceNN}; tolerance 0.1
     * is its default). Only the M neighbours the graph kept are looked at, so a shell larger than M is cut at M.
     *
     * <p>A contact is written {@code "A-B"}: a site of element A with an element-B atom in its first shell. A site
     * counts once per element in its shell, whatever the number of such atoms (an octahedral Fe with six O is one
     * {@code "Fe-O"} contact).
     */
    static final class FirstShell {
        /** pymatgen's MinimumDistanceNN default. */
        public static final double DEFAULT_TOLERANCE = 0.1;

        private FirstShell() {
        }

        /** The contact name of a centre of atomic number {@code centre} and a shell atom of {@code neighbour}. */
        public static String contact(int centre, int neighbour) {
            return Elements.symbol(centre) + "-" + Elements.symbol(neighbour);
        }

        /**
         * The distinct elements in the first shell of {@code site}, as atomic numbers in ascending order (empty when
         * the site has no neighbour within the cutoff).
         */
        public static int[] elements(CrystalGraph g, int site, double tolerance) {
            if (g.neighborCount(site) == 0 || !g.isNeighbor(site, 0)) {
                return new int[0];
            }
            double limit = (1 + tolerance) * g.neighborDistance(site, 0);
            java.util.BitSet seen = new java.util.BitSet();
            for (int m = 0; m < g.maxNeighbors() && g.isNeighbor(site, m) && g.neighborDistance(site, m) <= limit; m++) {
                seen.set(g.species(g.neighborIndex(site, m)));
            }
            return seen.stream().toArray();
        }

        /** Adds every site's contacts in {@code g} to {@code counts} (contact name to sites). */
        public static void count(CrystalGraph g, double tolerance, Map<String, Long> counts) {
            for (int i = 0; i < g.numSites(); i++) {
                for (int z : elements(g, i, tolerance)) {
                    counts.merge(contact(g.species(i), z), 1L, Long::sum);
                }
            }
        }

        /** The contacts of one graph, sorted by name, with the sites that have each. */
        public static Map<String, Long> contacts(CrystalGraph g, double tolerance) {
            Map<String, Long> out = new TreeMap<>();
            count(g, tolerance, out);
            return out;
        }
    }
}
