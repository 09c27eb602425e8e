package org.persite.train;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.persite.graph.ElementTable;
import org.persite.inference.Buckets;
import org.persite.inference.Device;
import org.persite.inference.InferenceException;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.model.CgcnnWeights;
import org.persite.model.LoadedModel;
import org.persite.model.ModelSpec;
import org.persite.model.OnnxCgcnnWriter;

/**
 * A trained model's validation and test MAE next to the per-element average fit on the same training split.
 * Predictions come from ONNX Runtime on the exported model: what the server will serve.
 */
public record Evaluation(SiteMetrics validation, SiteMetrics test, SiteMetrics perElementValidation, SiteMetrics perElementTest) {

    public static Evaluation of(SiteDataset data, SiteDataset.Split split, ModelSpec spec, CgcnnWeights weights, ElementTable table) {
        PerElementBaseline baseline = new PerElementBaseline(CgcnnTrainer.pick(data, split.train()));
        List<SiteDataset.Example> val = CgcnnTrainer.pick(data, split.validation());
        List<SiteDataset.Example> test = CgcnnTrainer.pick(data, split.test());
        LoadedModel model = new LoadedModel(Path.of("(in memory)"), spec, OnnxCgcnnWriter.write(spec, weights, table), "");
        try (OnnxInferenceEngine engine = OnnxInferenceEngine.open(model, Device.CPU, false, 0)) {
            return new Evaluation(SiteMetrics.of(val, predict(engine, val)), SiteMetrics.of(test, predict(engine, test)),
                    SiteMetrics.of(val, val.stream().map(baseline::predict).toList()), SiteMetrics.of(test, test.stream().map(baseline::predict).toList()));
        } catch (InferenceException e) {
            throw new IllegalStateException("evaluating the exported model failed: " + e.getMessage(), e);
        }
    }

    /**
     * Predictions per example ([n], single-property models), in batches of up to 1,024 atoms; for an ensemble,
     * the members' mean.
     */
    public static List<float[]> predict(OnnxInferenceEngine engine, List<SiteDataset.Example> examples) throws InferenceException {
        List<float[]> rows = engine.predictAll(examples.stream().map(SiteDataset.Example::graph).toList(), Buckets.defaults(), 1024);
        return engine.outputsPerSite() == 1 ? rows : column(rows, 0, engine.outputsPerSite());
    }

    /** All outputs per example (values, σ, domain score), in batches of up to 1,024 atoms, with each example's total (null: 0). */
    public static List<org.persite.inference.SiteOutputs> outputs(OnnxInferenceEngine engine, List<SiteDataset.Example> examples, double[] totals)
            throws InferenceException {
        List<float[]> rows = engine.predictAll(examples.stream().map(SiteDataset.Example::graph).toList(), totals, Buckets.defaults(), 1024);
        return rows.stream().map(r -> engine.layout().split(r)).toList();
    }

    /**
     * Predictions per example of a single-property model, [n] or, for an ensemble, [n, 2]: per site the mean
     * and the standard deviation over its members.
     */
    public static List<float[]> predictWithStd(OnnxInferenceEngine engine, List<SiteDataset.Example> examples) throws InferenceException {
        if (engine.properties() != 1) {
            throw new IllegalArgumentException("evaluation covers single-property models; this one predicts " + engine.properties());
        }
        if (engine.hasDomainScore()) {
            throw new IllegalArgumentException("predictWithStd reads [n, 2] rows; use outputs() for a model with a domain score");
        }
        return engine.predictAll(examples.stream().map(SiteDataset.Example::graph).toList(), Buckets.defaults(), 1024);
    }

    /** Column c of each example's [n, width] row-major predictions, as [n]. */
    public static List<float[]> column(List<float[]> rows, int c, int width) {
        return rows.stream().map(r -> {
            float[] out = new float[r.length / width];
            for (int i = 0; i < out.length; i++) {
                out[i] = r[i * width + c];
            }
            return out;
        }).toList();
    }

    /** The figures for a model card's metrics. */
    public Map<String, Double> asMetrics() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("validation_mae", validation.mae());
        m.put("validation_mae_tm", validation.maeTransitionMetals());
        m.put("test_mae", test.mae());
        m.put("test_mae_tm", test.maeTransitionMetals());
        m.put("per_element_test_mae", perElementTest.mae());
        m.put("per_element_test_mae_tm", perElementTest.maeTransitionMetals());
        m.put("test_sites", (double) test.sites());
        return m;
    }
}
