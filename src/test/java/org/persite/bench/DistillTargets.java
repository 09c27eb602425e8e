package org.persite.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.persite.config.PersiteConfig;
import org.persite.graph.CellListOverlapFinder;
import org.persite.graph.ElementTable;
import org.persite.inference.Device;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.model.LoadedModel;
import org.persite.model.ModelDirectory;
import org.persite.structure.StructureReader;
import org.persite.train.Evaluation;
import org.persite.train.SiteDataset;
import org.persite.train.TrainingProvenance;

/**
 * Would a single network trained on an ensemble's predictions do better than one trained on the labels (knowledge
 * distillation, issue 20)? This aid writes the data set for that run: a copy of the JSON Lines file in which every
 * record of the teacher's training split has its per-site property replaced by the teacher's prediction as served
 * (|m| for the magnetic moments, so the abs transform leaves it as it is). The validation and test records keep their
 * labels, and no record is added, dropped or moved, so the same split seed gives the same split, the best epoch is
 * chosen on real labels and the test MAE is against real labels.
 *
 * <p>Each replaced record is checked first: its labels, transformed, must equal the teacher's training targets site by
 * site, so a record read in another site order is refused rather than given someone else's values.
 *
 * <pre>bin/bench-run org.persite.bench.DistillTargets models/magmom-ensemble/4 data/mp_magmom_tmo/structures.jsonl.gz OUT.jsonl.gz</pre>
 */
public final class DistillTargets {
    public static void main(String[] args) throws Exception {
        LoadedModel teacher = ModelDirectory.load(ModelDirectory.resolve(Path.of(args[0])));
        Path data = Path.of(args[1]);
        Path out = Path.of(args[2]);
        TrainingProvenance trained = TrainingProvenance.of(teacher.spec());
        String property = trained.target().field();
        StructureReader reader = new StructureReader(PersiteConfig.load().structureLimits(ElementTable.cgcnn()), CellListOverlapFinder.INSTANCE);
        SiteDataset ds = SiteDataset.load(data, trained.target(), teacher.spec().featurizer(), reader);
        List<SiteDataset.Example> train = ds.split(trained.splitSeed()).train().stream().map(ds::get).toList();
        List<float[]> pred;
        long t0 = System.nanoTime();
        try (OnnxInferenceEngine engine = OnnxInferenceEngine.open(teacher, Device.CPU, false, 0)) {
            pred = Evaluation.predict(engine, train);                                                   // [N] per structure
        }
        Map<String, Integer> byId = new HashMap<>();                       // an example's source is "FILE#ID", ID the record's "id"
        for (int k = 0; k < train.size(); k++) {
            String id = train.get(k).id();
            byId.put(id.substring(id.lastIndexOf('#') + 1), k);
        }
        ObjectMapper json = new ObjectMapper();
        int replaced = 0;
        int records = 0;
        double moved = 0;
        long sites = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(data)), StandardCharsets.UTF_8));
                BufferedWriter w = new BufferedWriter(new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(out)), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                records++;
                ObjectNode r = (ObjectNode) json.readTree(line);
                Integer k = byId.get(r.path("id").asText());
                if (k != null) {
                    ArrayNode labels = (ArrayNode) r.get(property);
                    float[] p = pred.get(k);
                    float[] target = train.get(k).targets();
                    if (labels.size() != p.length) {
                        throw new IllegalStateException(r.path("id").asText() + ": " + labels.size() + " labels, " + p.length + " predictions");
                    }
                    ArrayNode now = json.createArrayNode();
                    for (int i = 0; i < p.length; i++) {
                        double label = trained.target().transform() == org.persite.train.TargetSpec.Transform.ABS
                                ? Math.abs(labels.get(i).asDouble()) : labels.get(i).asDouble();
                        if (Math.abs(label - target[i]) > 1e-5) {
                            throw new IllegalStateException(r.path("id").asText() + " site " + i + ": label " + label + " but training target " + target[i]);
                        }
                        now.add(Math.round(p[i] * 1e4) / 1e4);
                        moved += Math.abs(p[i] - target[i]);
                        sites++;
                    }
                    r.set(property, now);
                    replaced++;
                }
                w.write(json.writeValueAsString(r));
                w.newLine();
            }
        }
        if (replaced != train.size()) {
            throw new IllegalStateException("replaced " + replaced + " records, but the training split has " + train.size());
        }
        System.out.printf(Locale.ROOT, "%s: %d of %d records given %s v%d's predictions (its training split); mean |prediction - label| there %.4f "
                + "over %d sites; %.0f s%n", out, replaced, records, teacher.spec().name(), teacher.spec().version(), moved / sites, sites,
                (System.nanoTime() - t0) / 1e9);
    }
}
