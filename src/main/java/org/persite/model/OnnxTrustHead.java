package org.persite.model;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.List;
import org.persite.model.onnx.OnnxProto.GraphProto;
import org.persite.model.onnx.OnnxProto.ModelProto;
import org.persite.model.onnx.OnnxProto.NodeProto;
import org.persite.model.onnx.OnnxProto.TensorProto;
import org.persite.model.onnx.OnnxProto.ValueInfoProto;

/**
 * Appends the trust head to a per-site graph (one model from {@link OnnxCgcnnWriter}, or an ensemble from
 * {@link OnnxEnsembleWriter}): the properties' constraints, the ensemble σ's recalibration and cap, and the
 * domain-of-applicability score. Every node it adds is named {@code trust/...}; the network before it is
 * unchanged. {@link ReferenceForward} and {@link TrustMath} compute the same in Java.
 *
 * <ul>
 *   <li><b>Non-negative</b> properties: {@code max(y, 0)} on the de-normalised value [N, P].</li>
 *   <li><b>σ</b> (ensembles): {@code min(σ · scale[class of species], cap)} [N, P]. A single model with a σ from its
 *       validation residuals ({@link Trust.ResidualStd}) gets the output: {@code table[species, bin(y)]} [N, 1].</li>
 *   <li><b>One-sided interval</b> [N, 2] ({@link Trust.Interval}, single models and ensembles): y plus the
 *       {lower, upper} offsets of {@code table[species, bin(y)]}, cut at 0 for a non-negative property. An ensemble's
 *       residual fit serves only this: its σ stays the members' spread.</li>
 *   <li><b>Conserved sum</b> (P = 1): in float64, per structure s, {@code excess_s = Σ_{i∈s} y_i - total_s},
 *       {@code y_i' = y_i - w_i · excess_s / Σ_{i∈s} w_i}, with w = 1 or w = σ² + 1e-12; the sums are
 *       ScatterElements(reduction = add) over {@link ModelIo#SITE_STRUCTURE} and gathered back, so every shape stays [N].
 *       Two new inputs: {@link ModelIo#SITE_STRUCTURE} int64 [N] and {@link ModelIo#SITE_TOTAL} float32 [N].</li>
 *   <li><b>Domain score</b> [N] from the last hidden layer h [N, H] (member 0's in an ensemble), as in {@link DomainSummary};
 *       with an environment summary, the larger of that and the same score of each site's first-shell descriptor
 *       e [N, A + 2] ({@link SiteEnvironment}, computed here from the graph's inputs).</li>
 * </ul>
 */
public final class OnnxTrustHead {
    /** The extra output {@link #withLatentOutput} adds: float32 [N, H], the last hidden layer. */
    public static final String SITE_LATENT = "site_latent";
    private static final String RAW_VALUES = "trust/raw_values";
    private static final String RAW_STD = "trust/raw_std";

    private OnnxTrustHead() {
    }

    /**
     * The graph with the trust head.
     *
     * @param spec its properties' constraints and {@code trust().sumWeights()} are applied
     * @param domain the latent summary, or null for no domain score
     * @param uncertainty σ's per-class scales and cap, or null to leave σ as it is (required null without {@link ModelIo#SITE_STD})
     * @param transitionMetal for each atomic number 0..Z, whether it is a transition metal (σ's class)
     */
    public static byte[] apply(byte[] onnx, ModelSpec spec, DomainSummary domain, Trust.Uncertainty uncertainty, boolean[] transitionMetal) {
        return apply(onnx, spec, domain, null, null, uncertainty, transitionMetal);
    }

    /**
     * The graph with the trust head, its domain score the larger of the latent's and the first-shell descriptor's.
     *
     * @param environment the first-shell descriptors' summary (width A + 2 of {@code table}), or null for the latent's alone;
     *     the card's domain must say which ({@link Trust.Domain#hasEnvironment()})
     * @param table the element table the descriptor counts neighbours with (the model's own); needed with an environment
     */
    public static byte[] apply(byte[] onnx, ModelSpec spec, DomainSummary domain, DomainSummary environment, org.persite.graph.ElementTable table,
            Trust.Uncertainty uncertainty, boolean[] transitionMetal) {
        if (environment != null && (domain == null || table == null || environment.latentWidth() != SiteEnvironment.width(table))) {
            throw new IllegalArgumentException("an environment summary needs a latent one and its element table (width A + 2)");
        }
        Trust.Domain card = spec.trust().domain();
        if (domain != null && card != null && card.hasEnvironment() != (environment != null)) {
            throw new IllegalArgumentException("the card's domain method " + card.method() + " does not match the summaries given");
        }
        ModelProto model = parse(onnx);
        GraphProto.Builder g = model.getGraph().toBuilder();
        if (g.getNodeList().stream().anyMatch(n -> n.getName().startsWith("trust/"))) {
            throw new IllegalArgumentException("the graph already has a trust head");
        }
        boolean hasStd = g.getOutputList().stream().anyMatch(v -> v.getName().equals(ModelIo.SITE_STD));
        if (uncertainty != null && !hasStd) {
            throw new IllegalArgumentException("σ calibration needs an ensemble (a graph with " + ModelIo.SITE_STD + ")");
        }
        boolean sumWeightsVariance = spec.trust().sumWeights().equals("variance");
        if (sumWeightsVariance && !hasStd) {
            throw new IllegalArgumentException("variance-weighted sums need an ensemble's σ");
        }
        String latent = domain == null ? null : latentName(g);
        ValueInfoProto valuesInfo = output(g, ModelIo.SITE_VALUES);
        ValueInfoProto stdInfo = hasStd ? output(g, ModelIo.SITE_STD) : null;
        rename(g, ModelIo.SITE_VALUES, RAW_VALUES);
        if (hasStd) {
            rename(g, ModelIo.SITE_STD, RAW_STD);
        }
        g.clearOutput();
        OnnxGraphBuilder b = new OnnxGraphBuilder(g, "trust/");
        int p = spec.propertyCount();
        boolean conserved = spec.conservedProperty() >= 0;
        String axis1 = uncertainty != null || conserved ? b.constantLong("axes_1", new long[] {1}, new long[] {1}) : null;

        // σ [N, P]: the element's scale (its own, else its class's), then the cap
        String std = hasStd ? RAW_STD : null;
        if (uncertainty != null) {
            float[] scale = new float[transitionMetal.length];
            for (int z = 0; z < scale.length; z++) {
                scale[z] = z == 0 ? 1f : (float) uncertainty.scale(z, transitionMetal[z]);
            }
            String s = b.node("Gather", new String[] {b.constant("std_scale_by_element", new long[] {scale.length}, scale), ModelIo.SPECIES},
                    OnnxGraphBuilder.intAttribute("axis", 0));                                                         // [N]
            std = b.node("Mul", new String[] {std, b.node("Unsqueeze", new String[] {s, axis1})});                   // [N, P]
            std = b.node("Min", new String[] {std, b.constant("std_cap", new long[] {}, new float[] {(float) uncertainty.cap()})});
        }

        // values [N, P]: lower bounds, then a conserved sum
        String values = RAW_VALUES;
        boolean anyNonNegative = spec.properties().stream().anyMatch(q -> q.constraint() == PropertySpec.Constraint.NON_NEGATIVE);
        if (anyNonNegative) {
            float[] lower = new float[p];
            for (int q = 0; q < p; q++) {
                lower[q] = spec.properties().get(q).constraint() == PropertySpec.Constraint.NON_NEGATIVE ? 0f : -Float.MAX_VALUE;
            }
            values = b.node("Max", new String[] {values, b.constant("lower_bound", new long[] {p}, lower)});
        }
        if (conserved) {
            if (g.getInputList().stream().noneMatch(v -> v.getName().equals(ModelIo.SITE_STRUCTURE))) { // a crystal context has it already
                g.addInput(OnnxGraphBuilder.siteStructureInput());
            }
            g.addInput(OnnxGraphBuilder.value(ModelIo.SITE_TOTAL, TensorProto.DataType.FLOAT,
                    "the total each atom's structure sums to (for example its charge, e), repeated per atom", ModelIo.DIM_ATOMS));
            int toDouble = TensorProto.DataType.DOUBLE.getNumber();
            String y = b.node("Cast", new String[] {b.node("Squeeze", new String[] {values, axis1})}, OnnxGraphBuilder.intAttribute("to", toDouble)); // [N]
            String total = b.node("Cast", new String[] {ModelIo.SITE_TOTAL}, OnnxGraphBuilder.intAttribute("to", toDouble));                   // [N]
            String shapeN = b.node("Shape", new String[] {ModelIo.SITE_TOTAL});
            String zeros = b.node("ConstantOfShape", new String[] {shapeN}, OnnxGraphBuilder.doubleTensorAttribute("value", 0));           // [N]
            String w;
            if (sumWeightsVariance) {
                String s = b.node("Cast", new String[] {b.node("Squeeze", new String[] {std, axis1})}, OnnxGraphBuilder.intAttribute("to", toDouble));
                w = b.node("Add", new String[] {b.node("Mul", new String[] {s, s}), b.constantDouble("variance_floor", new long[] {}, new double[] {1e-12})});
            } else {
                w = b.node("ConstantOfShape", new String[] {shapeN}, OnnxGraphBuilder.doubleTensorAttribute("value", 1));
            }
            String sumY = b.node("ScatterElements", new String[] {zeros, ModelIo.SITE_STRUCTURE, y}, OnnxGraphBuilder.intAttribute("axis", 0),
                    OnnxGraphBuilder.stringAttribute("reduction", "add"));                                                      // [N]: per structure
            String sumW = b.node("ScatterElements", new String[] {zeros, ModelIo.SITE_STRUCTURE, w}, OnnxGraphBuilder.intAttribute("axis", 0),
                    OnnxGraphBuilder.stringAttribute("reduction", "add"));
            String excess = b.node("Sub", new String[] {b.node("Gather", new String[] {sumY, ModelIo.SITE_STRUCTURE}, OnnxGraphBuilder.intAttribute("axis", 0)), total});
            String share = b.node("Div", new String[] {excess, b.node("Gather", new String[] {sumW, ModelIo.SITE_STRUCTURE}, OnnxGraphBuilder.intAttribute("axis", 0))});
            String corrected = b.node("Sub", new String[] {y, b.node("Mul", new String[] {w, share})});                              // [N]
            values = b.node("Unsqueeze", new String[] {b.node("Cast", new String[] {corrected}, OnnxGraphBuilder.intAttribute("to",
                    TensorProto.DataType.FLOAT.getNumber())), axis1});                                                           // [N, 1]
        }
        b.node("Identity", new String[] {values}, new String[] {ModelIo.SITE_VALUES});
        g.addOutput(valuesInfo);
        if (hasStd) {
            b.node("Identity", new String[] {std}, new String[] {ModelIo.SITE_STD});
            g.addOutput(stdInfo);
        }
        Trust.ResidualStd residual = spec.trust().residualStd();
        if (residual != null) {
            if (p != 1) {
                throw new IllegalArgumentException("a σ or interval from validation residuals is for a model of one property");
            }
            if (hasStd && (residual.interval() == null || spec.trust().uncertainty() == null)) {
                throw new IllegalArgumentException("an ensemble keeps its members' σ (recalibrated: the card's uncertainty): its residual fit "
                        + "serves only an interval");
            }
            String index = residualIndex(b, residual, values, transitionMetal.length);                                     // [N]
            if (!hasStd) {
                b.node("Identity", new String[] {residualStd(b, residual, index, transitionMetal)}, new String[] {ModelIo.SITE_STD});
                g.addOutput(OnnxGraphBuilder.value(ModelIo.SITE_STD, TensorProto.DataType.FLOAT,
                        "per-site σ: the validation errors' 90% quantile / 1.645 of the site's element and predicted-value bin", ModelIo.DIM_ATOMS, p));
            }
            if (residual.interval() != null) {
                boolean nonNegative = spec.properties().get(0).constraint() == PropertySpec.Constraint.NON_NEGATIVE;
                b.node("Identity", new String[] {residualInterval(b, residual, index, values, transitionMetal, nonNegative)},
                        new String[] {ModelIo.SITE_INTERVAL});
                g.addOutput(OnnxGraphBuilder.value(ModelIo.SITE_INTERVAL, TensorProto.DataType.FLOAT,
                        "per-site lower and upper bound: the prediction plus the tail quantiles of the validation errors of its element and "
                        + "predicted-value bin", ModelIo.DIM_ATOMS, 2));
            }
        }

        if (domain != null) {
            String score = domainScore(b, "domain_", latent, domain);                                                   // [N]
            if (environment != null) {
                String e = environmentDescriptor(b, table, spec.featurizer().maxNeighbors());                             // [N, A + 2]
                score = b.node("Max", new String[] {score, domainScore(b, "environment_", e, environment)});              // [N]
            }
            b.node("Identity", new String[] {score}, new String[] {ModelIo.DOMAIN_SCORE});
            g.addOutput(OnnxGraphBuilder.value(ModelIo.DOMAIN_SCORE, TensorProto.DataType.FLOAT,
                    "domain-of-applicability score per atom (1 = the training quantile of its element)", ModelIo.DIM_ATOMS));
        }
        return model.toBuilder().setGraph(g).build().toByteArray();
    }

    /**
     * The first-shell descriptor e [N, A + 2] of every atom from the graph's inputs, as {@link SiteEnvironment#describe}:
     * the shell-weighted sum of the neighbours' element features, the nearest distance and the coordination number / M.
     */
    private static String environmentDescriptor(OnnxGraphBuilder b, org.persite.graph.ElementTable table, int m) {
        int a = table.featureLength();
        String axis1 = b.constantLong("shell_axes_1", new long[] {1}, new long[] {1});
        String first = b.constantLong("shell_first", new long[] {1}, new long[] {0});
        String second = b.constantLong("shell_second", new long[] {1}, new long[] {1});
        int rows = table.maxAtomicNumber() + 1;
        String nbrZ = b.node("Gather", new String[] {ModelIo.SPECIES, ModelIo.NBR_INDEX}, OnnxGraphBuilder.intAttribute("axis", 0));       // [N, M]
        String r0 = b.node("Slice", new String[] {ModelIo.NBR_DISTANCE, first, second, axis1});                                    // [N, 1]
        String mask0 = b.node("Slice", new String[] {ModelIo.NBR_MASK, first, second, axis1});                                     // [N, 1]
        String edge = b.node("Sub", new String[] {b.node("Mul", new String[] {r0, b.constant("shell_shell_factor", new long[] {},
            new float[] {(float) SiteEnvironment.SHELL_FACTOR})}), ModelIo.NBR_DISTANCE});                                        // [N, M]
        String w = b.node("Mul", new String[] {b.node("Sigmoid", new String[] {b.node("Mul", new String[] {edge,
            b.constant("shell_inverse_softness", new long[] {}, new float[] {(float) (1 / SiteEnvironment.SOFTNESS)})})}),
            ModelIo.NBR_MASK});                                                                                                   // [N, M]
        // Σ_m w_m T[Z_m] as (the shell's weight per element) · T: one scatter and one GEMM, not N little [1, M] × [M, A] products
        String shapeNZ = b.node("Concat", new String[] {b.node("Shape", new String[] {ModelIo.SPECIES}),
            b.constantLong("shell_rows", new long[] {1}, new long[] {rows})}, OnnxGraphBuilder.intAttribute("axis", 0));          // [2]
        String zeros = b.node("Expand", new String[] {b.constant("shell_zeros", new long[] {1, rows}, new float[rows]), shapeNZ});   // [N, Z + 1]
        String perElement = b.node("ScatterElements", new String[] {zeros, nbrZ, w}, OnnxGraphBuilder.intAttribute("axis", 1),
            OnnxGraphBuilder.stringAttribute("reduction", "add"));                                                                // [N, Z + 1]
        String counted = b.node("MatMul", new String[] {perElement, b.constant("shell_element_table", new long[] {rows, a},
            SiteEnvironment.tableRows(table))});                                                                                  // [N, A]
        String shell = b.node("Mul", new String[] {b.node("ReduceSum", new String[] {w, axis1}, OnnxGraphBuilder.intAttribute("keepdims", 1)),
            b.constant("shell_inverse_slots", new long[] {}, new float[] {1f / m})});                                      // [N, 1]
        return b.node("Concat", new String[] {counted, b.node("Mul", new String[] {r0, mask0}), shell},
                OnnxGraphBuilder.intAttribute("axis", 1));                                                                        // [N, A + 2]
    }

    /**
     * The row of each site in the [Z + 1, B] residual tables ({@link Trust.ResidualStd}): Z · B + the bin of
     * its predicted value [N, 1] (how many inner edges are at or below it). Row 0 (padding) holds the other class's values.
     */
    private static String residualIndex(OnnxGraphBuilder b, Trust.ResidualStd r, String values, int rows) {
        int bins = r.bins();
        float[] edges = new float[bins - 1];
        for (int k = 0; k < edges.length; k++) {
            edges[k] = (float) r.edges()[k];
        }
        String axis1 = b.constantLong("residual_std_axes_1", new long[] {1}, new long[] {1});
        String above = b.node("Cast", new String[] {b.node("GreaterOrEqual", new String[] {values,
            b.constant("residual_std_edges", new long[] {edges.length}, edges)})}, OnnxGraphBuilder.intAttribute("to",
            TensorProto.DataType.FLOAT.getNumber()));                                                                          // [N, B - 1]
        String bin = b.node("Cast", new String[] {b.node("ReduceSum", new String[] {above, axis1}, OnnxGraphBuilder.intAttribute("keepdims", 0))},
            OnnxGraphBuilder.intAttribute("to", TensorProto.DataType.INT64.getNumber()));                                     // [N]
        return b.node("Add", new String[] {b.node("Mul", new String[] {ModelIo.SPECIES,
            b.constantLong("residual_std_bins", new long[] {}, new long[] {bins})}), bin});                                    // [N]: Z · B + bin
    }

    /** A single model's σ [N, 1] from validation residuals: table[Z · B + bin] of the element's own σ, else its class's. */
    private static String residualStd(OnnxGraphBuilder b, Trust.ResidualStd r, String index, boolean[] transitionMetal) {
        int bins = r.bins();
        int rows = transitionMetal.length;
        float[] table = new float[rows * bins];
        for (int z = 0; z < rows; z++) {
            for (int k = 0; k < bins; k++) {
                table[z * bins + k] = (float) (z == 0 ? r.classOther() : r.stdInBin(z, transitionMetal[z], k));
            }
        }
        String sigma = b.node("Gather", new String[] {b.constant("residual_std_table", new long[] {(long) rows * bins}, table), index},
            OnnxGraphBuilder.intAttribute("axis", 0));                                                                        // [N]
        return b.node("Unsqueeze", new String[] {sigma, b.constantLong("residual_std_unsqueeze_axes", new long[] {1}, new long[] {1})});   // [N, 1]
    }

    /**
     * The one-sided interval [N, 2] ({@link Trust.Interval}): the prediction [N, 1] plus the {lower, upper}
     * offsets gathered from a [Z · B + bin, 2] table, cut at 0 for a non-negative property.
     */
    private static String residualInterval(OnnxGraphBuilder b, Trust.ResidualStd r, String index, String values, boolean[] transitionMetal,
            boolean nonNegative) {
        int bins = r.bins();
        int rows = transitionMetal.length;
        float[] table = new float[rows * bins * 2];
        for (int z = 0; z < rows; z++) {
            for (int k = 0; k < bins; k++) {
                double[] offsets = z == 0 ? r.interval().classOther() : r.intervalOffsets(z, transitionMetal[z], k);
                table[(z * bins + k) * 2] = (float) offsets[0];
                table[(z * bins + k) * 2 + 1] = (float) offsets[1];
            }
        }
        String offsets = b.node("Gather", new String[] {b.constant("residual_interval_table", new long[] {(long) rows * bins, 2}, table), index},
            OnnxGraphBuilder.intAttribute("axis", 0));                                                                        // [N, 2]
        String bounds = b.node("Add", new String[] {values, offsets});                                                       // [N, 1] + [N, 2]
        return nonNegative ? b.node("Max", new String[] {bounds, b.constant("residual_interval_floor", new long[] {1}, new float[] {0f})}) : bounds;
    }

    /** A site's score [N] from its latent h [N, H] and the summary fitted on it; constants named {@code prefix...}. */
    private static String domainScore(OnnxGraphBuilder b, String prefix, String h, DomainSummary d) {
        int hw = d.latentWidth();
        int k = d.components();
        int rows = d.elementRows();
        String axis1 = b.constantLong(prefix + "axes_1", new long[] {1}, new long[] {1});
        String axis2 = b.constantLong(prefix + "axes_2", new long[] {1}, new long[] {2});
        String axes12 = b.constantLong(prefix + "axes_1_2", new long[] {2}, new long[] {1, 2});
        String c = b.node("Sub", new String[] {h, b.constant(prefix + "mean", new long[] {hw}, d.mean())});                        // [N, H]
        String z = b.node("MatMul", new String[] {c, b.constant(prefix + "projection", new long[] {hw, k}, d.projection())});      // [N, k]
        // r² = |c - z Pᵀ|², the part of c outside the components; not |c|² - |z|², which cancels in float32 when the
        // components hold nearly all of c (a first-shell descriptor's residual variance can be 1e-6 of its total)
        float[] transposed = new float[k * hw];
        for (int i = 0; i < hw; i++) {
            for (int j = 0; j < k; j++) {
                transposed[j * hw + i] = d.projection()[i * k + j];
            }
        }
        String r = b.node("Sub", new String[] {c, b.node("MatMul", new String[] {z, b.constant(prefix + "projection_transposed",
            new long[] {k, hw}, transposed)})});                                                                                // [N, H]
        String r2 = b.node("ReduceSum", new String[] {b.node("Mul", new String[] {r, r}), axis1}, OnnxGraphBuilder.intAttribute("keepdims", 0)); // [N]
        String mu = b.node("Gather", new String[] {b.constant(prefix + "element_mean", new long[] {rows, k}, d.elementMean()), ModelIo.SPECIES},
                OnnxGraphBuilder.intAttribute("axis", 0));                                                                        // [N, k]
        String dz = b.node("Unsqueeze", new String[] {b.node("Sub", new String[] {z, mu}), axis2});                             // [N, k, 1]
        String w = b.node("Gather", new String[] {b.constant(prefix + "element_whitening", new long[] {rows, k, k}, d.elementWhitening()),
                ModelIo.SPECIES}, OnnxGraphBuilder.intAttribute("axis", 0));                                                     // [N, k, k]
        String u = b.node("MatMul", new String[] {w, dz});                                                                        // [N, k, 1]
        String u2 = b.node("ReduceSum", new String[] {b.node("Mul", new String[] {u, u}), axes12}, OnnxGraphBuilder.intAttribute("keepdims", 0)); // [N]
        String sum = b.node("Add", new String[] {u2, b.node("Mul", new String[] {r2,
            b.constant(prefix + "residual_inverse_variance", new long[] {}, new float[] {d.residualInverseVariance()})})});
        String dist = b.node("Sqrt", new String[] {b.node("Mul", new String[] {sum,
            b.constant(prefix + "inverse_dof", new long[] {}, new float[] {1f / (k + 1)})})});                                    // [N]
        String scale = b.node("Gather", new String[] {b.constant(prefix + "element_scale", new long[] {rows}, d.elementScale()), ModelIo.SPECIES},
                OnnxGraphBuilder.intAttribute("axis", 0));                                                                        // [N]
        return b.node("Div", new String[] {dist, scale});
    }

    /**
     * The graph without its trust head (unchanged when it has none): the network's own outputs, its four
     * inputs (five with a crystal context). An ensemble is built from its members' plain graphs and gets a trust head of its own.
     */
    public static byte[] strip(byte[] onnx) {
        ModelProto model = parse(onnx);
        GraphProto.Builder g = model.getGraph().toBuilder();
        if (g.getNodeList().stream().noneMatch(n -> n.getName().startsWith("trust/"))) {
            return onnx;
        }
        List<NodeProto> kept = new ArrayList<>();
        for (NodeProto n : g.getNodeList()) {
            if (n.getName().startsWith("trust/")) {
                continue;
            }
            NodeProto.Builder nb = n.toBuilder();
            for (int k = 0; k < n.getOutputCount(); k++) {
                nb.setOutput(k, n.getOutput(k).equals(RAW_VALUES) ? ModelIo.SITE_VALUES : n.getOutput(k).equals(RAW_STD) ? ModelIo.SITE_STD : n.getOutput(k));
            }
            for (int k = 0; k < n.getInputCount(); k++) {
                nb.setInput(k, n.getInput(k).equals(RAW_VALUES) ? ModelIo.SITE_VALUES : n.getInput(k).equals(RAW_STD) ? ModelIo.SITE_STD : n.getInput(k));
            }
            kept.add(nb.build());
        }
        List<TensorProto> initializers = g.getInitializerList().stream().filter(t -> !t.getName().startsWith("trust/")).toList();
        // the conserved sum's inputs go with it, unless the network reads them itself (a crystal context reads SITE_STRUCTURE)
        java.util.Set<String> read = new java.util.HashSet<>();
        kept.forEach(n -> read.addAll(n.getInputList()));
        List<ValueInfoProto> inputs = g.getInputList().stream()
                .filter(v -> !(v.getName().equals(ModelIo.SITE_STRUCTURE) || v.getName().equals(ModelIo.SITE_TOTAL)) || read.contains(v.getName())).toList();
        java.util.Set<String> produced = new java.util.HashSet<>();
        kept.forEach(n -> produced.addAll(n.getOutputList()));
        // the domain score, and a single model's σ from residuals, were the trust head's own
        List<ValueInfoProto> outputs = g.getOutputList().stream().filter(v -> produced.contains(v.getName())).toList();
        g.clearNode().addAllNode(kept).clearInitializer().addAllInitializer(initializers).clearInput().addAllInput(inputs).clearOutput()
                .addAllOutput(outputs);
        return model.toBuilder().setGraph(g).build().toByteArray();
    }

    /**
     * The graph with one more output, {@link #SITE_LATENT} [N, H]: the last hidden layer (member 0's in an
     * ensemble), which a domain summary is fitted on. Never served; used while fitting.
     */
    public static byte[] withLatentOutput(byte[] onnx, int latentWidth) {
        ModelProto model = parse(onnx);
        GraphProto.Builder g = model.getGraph().toBuilder();
        String latent = latentName(g);
        g.addNode(NodeProto.newBuilder().setOpType("Identity").setName("trust/latent_identity").addInput(latent).addOutput(SITE_LATENT));
        g.addOutput(OnnxGraphBuilder.value(SITE_LATENT, TensorProto.DataType.FLOAT, "last hidden layer", ModelIo.DIM_ATOMS, latentWidth));
        return model.toBuilder().setGraph(g).build().toByteArray();
    }

    /**
     * The summary a graph's trust head holds, read back from its initializers: {@code "domain_"} for the latent's,
     * {@code "environment_"} for the first shell's; null when the graph has none. For checking a shipped graph against
     * {@link DomainSummary#score}.
     */
    static DomainSummary summary(byte[] onnx, String prefix) {
        java.util.Map<String, float[]> t = new java.util.HashMap<>();
        for (TensorProto init : parse(onnx).getGraph().getInitializerList()) {
            if (init.getName().startsWith("trust/" + prefix) && init.getDataType() == TensorProto.DataType.FLOAT_VALUE) {
                java.nio.FloatBuffer f = init.getRawData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
                float[] v = new float[f.remaining()];
                f.get(v);
                t.put(init.getName().substring(("trust/" + prefix).length()), v);
            }
        }
        if (!t.containsKey("mean")) {
            return null;
        }
        int h = t.get("mean").length;
        return new DomainSummary(h, t.get("projection").length / h, t.get("mean"), t.get("projection"), t.get("element_mean"),
                t.get("element_whitening"), t.get("residual_inverse_variance")[0], t.get("element_scale"));
    }

    /** The last hidden layer: the first input of the (first member's) output-layer MatMul. */
    static String latentName(GraphProto.Builder g) {
        List<String> found = new ArrayList<>();
        for (NodeProto n : g.getNodeList()) {
            if (n.getOpType().equals("MatMul") && n.getInputCount() == 2 && (n.getInput(1).equals(ModelIo.OUTPUT_WEIGHT)
                    || n.getInput(1).equals("m0/" + ModelIo.OUTPUT_WEIGHT))) {
                found.add(n.getInput(0));
            }
        }
        if (found.size() != 1) {
            throw new IllegalArgumentException("cannot find the last hidden layer (a MatMul by " + ModelIo.OUTPUT_WEIGHT + "): is this a persite graph?");
        }
        return found.get(0);
    }

    private static ValueInfoProto output(GraphProto.Builder g, String name) {
        return g.getOutputList().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the graph has no output " + name));
    }

    /** The node that produces {@code from} produces {@code to} instead, and every reader of it follows. */
    private static void rename(GraphProto.Builder g, String from, String to) {
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            NodeProto.Builder nb = n.toBuilder();
            boolean changed = false;
            for (int k = 0; k < n.getOutputCount(); k++) {
                if (n.getOutput(k).equals(from)) {
                    nb.setOutput(k, to);
                    changed = true;
                }
            }
            for (int k = 0; k < n.getInputCount(); k++) {
                if (n.getInput(k).equals(from)) {
                    nb.setInput(k, to);
                    changed = true;
                }
            }
            if (changed) {
                g.setNode(i, nb);
            }
        }
    }

    private static ModelProto parse(byte[] onnx) {
        try {
            return ModelProto.parseFrom(onnx);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not an ONNX model: " + e.getMessage(), e);
        }
    }
}
