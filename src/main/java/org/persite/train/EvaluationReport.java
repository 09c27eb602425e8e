package org.persite.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.persite.structure.Elements;

/**
 * The paper-style report of one model on its test split: a Markdown table in the style of Table 1 of
 * Karaguesian et al. (property, training crystals, units, CGCNN, MLP, per-element average; all sites and
 * transition-metal sites), a parity plot, and predicted-vs-DFT distributions for each 3d element (Fig. 2a),
 * drawn with XChart.
 *
 * @param mlp the MLP baseline's test metrics, or null when it was not run
 */
public record EvaluationReport(String property, String unit, int trainingCrystals, SiteMetrics cgcnn, SiteMetrics mlp, SiteMetrics perElement) {

    /** The Markdown table. */
    public String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("| property | training crystals | units | CGCNN | MLP | per-element average | CGCNN / per-element |\n");
        sb.append("|---|---|---|---|---|---|---|\n");
        row(sb, property + ", all sites", cgcnn.mae(), mlp == null ? Double.NaN : mlp.mae(), perElement.mae());
        row(sb, property + ", transition-metal sites", cgcnn.maeTransitionMetals(), mlp == null ? Double.NaN : mlp.maeTransitionMetals(),
                perElement.maeTransitionMetals());
        sb.append(String.format(Locale.ROOT, "%nTest MAE over %,d sites (%,d on transition metals).%s%n", cgcnn.sites(), cgcnn.transitionMetalSites(),
                mlp == null ? " The MLP baseline was not run (--mlp-epochs 0)." : ""));
        return sb.toString();
    }

    private void row(StringBuilder sb, String what, double c, double m, double p) {
        sb.append(String.format(Locale.ROOT, "| %s | %,d | %s | %.3f | %s | %.3f | %.2f |%n", what, trainingCrystals, unit, c,
                Double.isNaN(m) ? "not run" : String.format(Locale.ROOT, "%.3f", m), p, c / p));
    }

    /** Writes parity.png (predicted vs DFT, every test site) into dir. */
    public static Path parityPlot(Path dir, String property, String unit, List<SiteDataset.Example> test, List<float[]> predictions) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        double max = 0;
        double min = 0;
        for (int k = 0; k < test.size(); k++) {
            float[] t = test.get(k).targets();
            for (int i = 0; i < t.length; i++) {
                if (!Float.isNaN(t[i])) {
                    x.add((double) t[i]);
                    y.add((double) predictions.get(k)[i]);
                    max = Math.max(max, Math.max(t[i], predictions.get(k)[i]));
                    min = Math.min(min, Math.min(t[i], predictions.get(k)[i]));
                }
            }
        }
        XYChart chart = new XYChartBuilder().width(700).height(700).title(property + ": predicted vs DFT (test split)")
                .xAxisTitle("DFT " + property + " (" + unit + ")").yAxisTitle("CGCNN " + property + " (" + unit + ")").build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(3);
        chart.getStyler().setLegendVisible(false);
        chart.addSeries("sites", x, y);
        XYSeries diagonal = chart.addSeries("y = x", new double[] {min, max}, new double[] {min, max});
        diagonal.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        diagonal.setMarker(SeriesMarkers.NONE);
        Files.createDirectories(dir);
        Path out = dir.resolve("parity.png");
        BitmapEncoder.saveBitmap(chart, out.toString(), BitmapEncoder.BitmapFormat.PNG);
        return out;
    }

    /**
     * Writes distributions-3d.png: for each 3d transition metal (Sc-Zn) with test sites, histograms of the
     * DFT and predicted values, as the paper's Fig. 2a.
     */
    public static Path distributionPlot(Path dir, String property, String unit, List<SiteDataset.Example> test, List<float[]> predictions)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<XYChart> charts = new ArrayList<>();
        for (int z = 21; z <= 30; z++) {
            List<Double> dft = new ArrayList<>();
            List<Double> pred = new ArrayList<>();
            for (int k = 0; k < test.size(); k++) {
                SiteDataset.Example e = test.get(k);
                for (int i = 0; i < e.targets().length; i++) {
                    if (e.graph().species(i) == z && !Float.isNaN(e.targets()[i])) {
                        dft.add((double) e.targets()[i]);
                        pred.add((double) predictions.get(k)[i]);
                    }
                }
            }
            if (dft.isEmpty()) {
                continue;
            }
            double hi = Math.max(dft.stream().mapToDouble(Double::doubleValue).max().orElse(1), pred.stream().mapToDouble(Double::doubleValue).max().orElse(1));
            double lo = Math.min(0, Math.min(dft.stream().mapToDouble(Double::doubleValue).min().orElse(0), pred.stream().mapToDouble(Double::doubleValue).min().orElse(0)));
            int bins = 30;
            XYChart c = new XYChartBuilder().width(400).height(300).title(Elements.symbol(z) + " (" + dft.size() + " sites)")
                    .xAxisTitle(property + " (" + unit + ")").yAxisTitle("sites").build();
            c.getStyler().setMarkerSize(0);
            addHistogram(c, "DFT", dft, lo, hi, bins);
            addHistogram(c, "CGCNN", pred, lo, hi, bins);
            charts.add(c);
        }
        Files.createDirectories(dir);
        Path out = dir.resolve("distributions-3d.png");
        if (charts.isEmpty()) {
            return null;
        }
        // XChart's grid needs exactly rows x cols charts: take the widest of 5..1 columns that divides the count
        int cols = 1;
        for (int c = Math.min(5, charts.size()); c >= 1; c--) {
            if (charts.size() % c == 0) {
                cols = c;
                break;
            }
        }
        int rows = charts.size() / cols;
        BitmapEncoder.saveBitmap(new ArrayList<>(charts), rows, cols, out.toString(), BitmapEncoder.BitmapFormat.PNG);
        return out;
    }

    private static void addHistogram(XYChart c, String name, List<Double> values, double lo, double hi, int bins) {
        double width = (hi - lo) / bins;
        double[] x = new double[bins];
        double[] y = new double[bins];
        for (int b = 0; b < bins; b++) {
            x[b] = lo + (b + 0.5) * width;
        }
        for (double v : values) {
            int b = (int) Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)));
            y[b]++;
        }
        XYSeries s = c.addSeries(name, x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
        s.setMarker(SeriesMarkers.NONE);
    }
}
