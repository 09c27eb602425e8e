package org.persite.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.persite.config.PersiteConfig;
import org.persite.graph.CellListOverlapFinder;
import org.persite.graph.CrystalGraph;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.graph.ElementTable;
import org.persite.inference.Buckets;
import org.persite.inference.Device;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.inference.SiteOutputs;
import org.persite.model.DomainSummary;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.model.SiteEnvironment;
import org.persite.structure.Structure;
import org.persite.structure.StructureReader;
import org.persite.train.DomainFitter;
import org.persite.train.Evaluation;
import org.persite.train.SiteDataset;
import org.persite.train.TrainingProvenance;

/**
 * How the first-shell descriptor's domain score ({@link SiteEnvironment}) separates the out-of-domain probes from a
 * model's oxide test sites, alone and as the larger of it and the model's own latent score, for a number of its
 * principal components ({@code -Dk=64}). For each it fits the summary on the training split as {@code persite
 * calibrate} does, the two structure thresholds on validation, and prints the test sites' p95, the share of test
 * structures flagged, and each probe's lowest site score with the share of test sites below it (pyrite's sites in full).
 *
 * <pre>bin/bench-run org.persite.bench.EnvironmentScores MODEL_VERSION_FOLDER   (a version fitted with the latent alone)</pre>
 */
public final class EnvironmentScores {
    static final int K = Integer.getInteger("k", 64);

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        ElementTable table = ElementTable.cgcnn();
        StructureReader reader = new StructureReader(PersiteConfig.load().structureLimits(table), CellListOverlapFinder.INSTANCE);
        LoadedModel m = ModelDirectory.load(ModelDirectory.resolve(model));
        TrainingProvenance trained = TrainingProvenance.of(m.spec());
        SiteDataset ds = SiteDataset.load(Path.of("data/mp_magmom_tmo/structures.jsonl.gz"), trained.target(), m.spec().featurizer(), reader);
        SiteDataset.Split split = ds.split(trained.splitSeed());
        int d = SiteEnvironment.width(table);
        List<Integer> train = split.train();
        long sites = train.stream().mapToLong(k -> ds.get(k).graph().numSites()).sum();
        int stride = (int) Math.max(1, (sites + 200_000 - 1) / 200_000);
        List<float[]> rows = new ArrayList<>();
        List<int[]> sp = new ArrayList<>();
        int n = 0;
        for (int k = 0; k < train.size(); k += stride) {
            CrystalGraph g = ds.get(train.get(k)).graph();
            rows.add(SiteEnvironment.describe(g, table));
            sp.add(g.species());
            n += g.numSites();
        }
        float[] h = new float[n * d];
        int[] species = new int[n];
        int at = 0;
        for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(rows.get(r), 0, h, at * d, rows.get(r).length);
            System.arraycopy(sp.get(r), 0, species, at, sp.get(r).length);
            at += sp.get(r).length;
        }
        DomainSummary env = DomainFitter.fit(new DomainFitter.Latents(d, h, species), K, 0.99, table.maxAtomicNumber() + 1);
        List<SiteDataset.Example> val = split.validation().stream().map(ds::get).toList();
        List<SiteDataset.Example> test = split.test().stream().map(ds::get).toList();
        List<Structure> probes = DomainVerdicts.probes(reader, Path.of("data/probes"));
        CrystalGraphBuilder builder = new CrystalGraphBuilder(m.spec().featurizer());
        List<CrystalGraph> probeGraphs = probes.stream().map(builder::build).toList();
        List<float[]> valLatent;
        List<float[]> testLatent;
        List<float[]> probeLatent = new ArrayList<>();
        try (OnnxInferenceEngine e = OnnxInferenceEngine.open(m, Device.CPU, false, 0)) {
            valLatent = Evaluation.outputs(e, val, null).stream().map(SiteOutputs::domain).toList();
            testLatent = Evaluation.outputs(e, test, null).stream().map(SiteOutputs::domain).toList();
            for (CrystalGraph g : probeGraphs) {
                probeLatent.add(e.layout().split(e.predictOne(g, Buckets.defaults())).domain());
            }
        }
        List<float[]> valShell = shellScores(val.stream().map(SiteDataset.Example::graph).toList(), env, table);
        List<float[]> testShell = shellScores(test.stream().map(SiteDataset.Example::graph).toList(), env, table);
        List<float[]> probeShell = shellScores(probeGraphs, env, table);
        for (String mode : new String[] {"latent", "environment", "max"}) {
            List<float[]> vs = combine(mode, valLatent, valShell);
            List<float[]> ts = combine(mode, testLatent, testShell);
            List<float[]> ps = combine(mode, probeLatent, probeShell);
            List<Double> vm = new ArrayList<>();
            List<Double> vl = new ArrayList<>();
            for (float[] s : vs) {
                vm.add(DomainVerdicts.stat("mean", s));
                vl.add(DomainVerdicts.stat("lowest", s));
            }
            double tm = DomainFitter.quantile(vm, 0.99);
            double tl = DomainFitter.quantile(vl, 0.99);
            int flagged = 0;
            List<Double> all = new ArrayList<>();
            for (float[] s : ts) {
                flagged += DomainVerdicts.stat("mean", s) > tm || DomainVerdicts.stat("lowest", s) > tl ? 1 : 0;
                for (float x : s) {
                    all.add((double) x);
                }
            }
            double[] sorted = all.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double p95 = sorted[(int) Math.ceil(0.95 * sorted.length) - 1];
            StringBuilder b = new StringBuilder();
            int caught = 0;
            for (int p = 0; p < probes.size(); p++) {
                float[] s = ps.get(p);
                boolean flag = DomainVerdicts.stat("mean", s) > tm || DomainVerdicts.stat("lowest", s) > tl;
                caught += flag ? 1 : 0;
                double low = DomainVerdicts.stat("lowest", s);
                int below = Arrays.binarySearch(sorted, low);
                below = below < 0 ? -below - 1 : below;
                if (probes.get(p).formula().contains("S")) {
                    b.append(" sites " + Arrays.toString(s));
                }
                b.append(String.format(Locale.ROOT, " %s%s lowest %.3f (%.1f%%)", probes.get(p).formula(), flag ? "" : "(NOT FLAGGED)", low, 100.0 * below / sorted.length));
            }
            System.out.printf(Locale.ROOT, "%s: p95 %.3f, thresholds %.3f / %.3f, test flagged %.2f%%, probes %d/%d:%s%n", mode, p95, tm, tl,
                    100.0 * flagged / test.size(), caught, probes.size(), b);
        }
    }

    /** Each site's first-shell score, per graph. */
    static List<float[]> shellScores(List<CrystalGraph> graphs, DomainSummary env, ElementTable t) {
        List<float[]> out = new ArrayList<>();
        for (CrystalGraph g : graphs) {
            double[][] desc = SiteEnvironment.describeRows(g, t);
            float[] s = new float[g.numSites()];
            for (int i = 0; i < s.length; i++) {
                s[i] = (float) env.score(desc[i], g.species(i));
            }
            out.add(s);
        }
        return out;
    }

    /** The site scores of one mode: the latent's, the first shell's, or the larger ("max"). */
    static List<float[]> combine(String mode, List<float[]> latent, List<float[]> shell) {
        List<float[]> out = new ArrayList<>();
        for (int k = 0; k < latent.size(); k++) {
            float[] s = new float[latent.get(k).length];
            for (int i = 0; i < s.length; i++) {
                float l = latent.get(k)[i];
                float e = shell.get(k)[i];
                s[i] = switch (mode) {
                    case "latent" -> l;
                    case "environment" -> e;
                    default -> Math.max(l, e);
                };
            }
            out.add(s);
        }
        return out;
    }
}
