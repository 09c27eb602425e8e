package org.persite.model;

import java.util.Arrays;
import org.persite.graph.ElementTable;
import org.persite.graph.GaussianExpansion;
import org.persite.model.onnx.OnnxProto.ModelProto;
import org.persite.model.onnx.OnnxProto.TensorProto;

/**
 * Writes the per-site CGCNN as an ONNX graph (IR 8, opset 17), computing the same function as
 * {@link ReferenceForward} in its fast, exact form.
 *
 * <ul>
 *   <li><b>Embedding</b>: the element table times W_emb is constant, so it is precomputed into a
 *       [Zmax + 1, F] table and the graph Gathers rows by atomic number (row 0, padding atoms, is zero).</li>
 *   <li><b>Gaussian expansion</b> in the graph: {@code exp(-(d - mu)^2 / var^2)} → e [N, M, G], with the
 *       exponent floored at -60 so that no subnormal float is ever produced.</li>
 *   <li><b>Factorised convolution</b>: W = [W_self; W_nbr; W_edge] gives
 *       {@code z_ij = x_i A_self + (x A_nbr)[j] + e_ij A_edge + c}, with BN1 folded into A and c, so the two
 *       atom terms are computed once per atom and gathered. BN2 is a folded scale and shift. With LayerNorm
 *       ({@link CgcnnHyperparameters#layerNorm()}) nothing folds: each half of z_ij [N, M, F] and the summed
 *       messages [N, F] pass through a LayerNormalization node, and masked slots are multiplied by the mask.</li>
 *   <li><b>Masking</b>: a masked slot's core half gathers a sink row of -1e20, so its softplus, and with it the
 *       gated message, is exactly 0 (relu 0, sigmoid(1e20) = 1, log 1 = 0), with no multiply by the mask over
 *       [N, M, F]; {@code BatchInvarianceTest} checks that the masked slots' contents change no bit of the output.</li>
 *   <li><b>Kernels</b>: the edge term is one 2-D GEMM over all N·M slots whose C input is the sum of the atom
 *       terms and the bias (no Add pass over its output); the filter and core halves are computed apart (no Split
 *       copy); softplus is {@code relu(x) - log(sigmoid(|x|))}, because ONNX Runtime's Softplus kernel is slower
 *       than these vectorised ones (ten times on the Intel Xeon, 1.9x for the whole graph on the AMD EPYC).</li>
 *   <li><b>Head</b>: softplus, hidden layers, output layer with the de-normalisation
 *       ({@code y · std + mean}) folded into its weights; with the per-element affine, two [Zmax + 1, P] tables
 *       gathered by species carry the scale and shift, de-normalisation folded in; with a state head, the
 *       median bin's value ({@link #stateHead}); with a crystal context, the head's input is h concatenated with its
 *       crystal's mean of h ({@link #crystalMean}), from the extra input {@link ModelIo#SITE_STRUCTURE}.</li>
 * </ul>
 */
public final class OnnxCgcnnWriter {
    private OnnxCgcnnWriter() {
    }

    /** The serialised ModelProto. */
    public static byte[] write(ModelSpec spec, CgcnnWeights w, ElementTable table) {
        return build(spec, w, table).toByteArray();
    }

    static ModelProto build(ModelSpec spec, CgcnnWeights w, ElementTable table) {
        GaussianExpansion gauss = new GaussianExpansion(spec.featurizer());
        int f = spec.hyperparameters().atomFeatures();
        int gc = gauss.size();
        int m = spec.featurizer().maxNeighbors();
        int p = spec.propertyCount();
        w.check(spec.hyperparameters(), table.featureLength(), gc, p);
        String n = ModelIo.DIM_ATOMS;
        Activation act = spec.hyperparameters().activation();
        // the sink row makes a masked slot exactly 0 only through softplus(-1e20) = 0; SiLU(-1e20) is not 0 on ONNX
        // Runtime (its sigmoid saturates at 1.5e-8), so a SiLU model multiplies by the mask instead
        boolean layerNorm = spec.hyperparameters().layerNorm();
        // and a LayerNorm would normalise the -1e20 row to finite values, so a LayerNorm model multiplies by the mask too
        boolean sink = act == Activation.SOFTPLUS && !layerNorm;

        OnnxGraphBuilder g = new OnnxGraphBuilder("persite_cgcnn");
        g.input(OnnxGraphBuilder.value(ModelIo.SPECIES, TensorProto.DataType.INT64, "atomic number per atom, 0 = padding", n));
        g.input(OnnxGraphBuilder.value(ModelIo.NBR_INDEX, TensorProto.DataType.INT64, "neighbour atom index per slot", n, m));
        g.input(OnnxGraphBuilder.value(ModelIo.NBR_DISTANCE, TensorProto.DataType.FLOAT, "neighbour distance per slot, Å", n, m));
        g.input(OnnxGraphBuilder.value(ModelIo.NBR_MASK, TensorProto.DataType.FLOAT, "1 = real neighbour, 0 = masked slot", n, m));
        if (spec.hyperparameters().crystalContext()) {
            g.input(OnnxGraphBuilder.siteStructureInput());
        }
        g.output(OnnxGraphBuilder.value(ModelIo.SITE_VALUES, TensorProto.DataType.FLOAT, "per-site predictions", n, p));

        // constants shared by the layers
        String axis1 = g.constantLong("axes_1", new long[] {1}, new long[] {1});
        String axis2 = g.constantLong("axes_2", new long[] {1}, new long[] {2});

        // embedding: [Zmax + 1, F] table, gathered by species → x [N, F]
        int zmax = table.maxAtomicNumber();
        float[] emb = new float[(zmax + 1) * f];
        for (int z = 1; z <= zmax; z++) {
            if (!table.covers(z)) {
                continue;
            }
            float[] a = table.features(z);
            for (int o = 0; o < f; o++) {
                double acc = w.embedding().bias()[o];
                for (int i = 0; i < a.length; i++) {
                    acc += (double) w.embedding().w(o, i) * a[i];
                }
                emb[z * f + o] = (float) acc;
            }
        }
        String x = g.node("Gather", new String[] {g.constant("embedding_table", new long[] {zmax + 1, f}, emb), ModelIo.SPECIES},
                OnnxGraphBuilder.intAttribute("axis", 0));
        String d3 = g.node("Unsqueeze", new String[] {ModelIo.NBR_DISTANCE, axis2});                                  // [N, M, 1]
        // the mask as [N, M, 1]: for SiLU's messages and the bond-valence sums (softplus messages use the sink row)
        String mask3 = !sink || w.bondValence() != null ? g.node("Unsqueeze", new String[] {ModelIo.NBR_MASK, axis2}) : null;
        if (w.bondValence() != null) {
            x = g.node("Add", new String[] {x, bondValence(g, w.bondValence(), axis1, d3, mask3)});                      // [N, F]
        }

        // Gaussian expansion: e [N, M, G]
        float[] centers = new float[gc];
        for (int k = 0; k < gc; k++) {
            centers[k] = (float) gauss.center(k);
        }
        double var = spec.featurizer().gaussianVar();
        String diff = g.node("Sub", new String[] {d3, g.constant("gaussian_centers", new long[] {gc}, centers)});    // [N, M, G]
        String sq = g.node("Mul", new String[] {diff, diff});
        String scaled = g.node("Mul", new String[] {sq, g.constant("gaussian_neg_inv_var2", new long[] {}, new float[] {(float) (-1 / (var * var))})});
        // exponents below -60 are raised to -60 (e >= 8.7e-27 instead of underflowing): far centres would
        // otherwise give subnormal floats, which x86 multiplies about 100x slower; the change is below 1e-25
        scaled = g.node("Max", new String[] {scaled, g.constant("gaussian_min_exponent", new long[] {}, new float[] {-60f})});
        String e = g.node("Exp", new String[] {scaled});                                                             // [N, M, G]
        // masked slots of the core half gather a sink row of -1e20 (row N of the core table), so their
        // pre-activation is -1e20 and softplus gives exactly 0 there: relu is 0 and sigmoid(1e20) is exactly 1, so
        // log is 0. The gated message sigmoid(filter) * 0 is exactly 0, with no multiply by the mask over [N, M, F].
        String sinkIndex = sink ? g.node("Where", new String[] {g.node("Cast", new String[] {ModelIo.NBR_MASK}, OnnxGraphBuilder.intAttribute("to",
            TensorProto.DataType.BOOL_VALUE)), ModelIo.NBR_INDEX, g.node("Shape", new String[] {ModelIo.SPECIES})}) : null;  // [N, M]: masked → N
        String sinkRow = sink ? g.constant("masked_core_sink", new long[] {1, f}, filled(f, -1e20f)) : null;        // [1, F]
        // the edge term runs as one 2-D GEMM over all N·M slots: [N·M, G] x [G, 2F] (+ bias, fused by ONNX Runtime)
        String e2 = g.node("Reshape", new String[] {e, g.constantLong("shape_nm_g", new long[] {2}, new long[] {-1, gc})});   // [N·M, G]
        String shapeNmF = g.constantLong("shape_n_m_f", new long[] {3}, new long[] {-1, m, f});
        String shapeNmF2 = g.constantLong("shape_nm_f", new long[] {2}, new long[] {-1, f});

        int layer = 0;
        for (CgcnnWeights.ConvLayer c : w.conv()) {
            String px = "conv" + layer + "_";
            // BatchNorm folds into the linear layer; a LayerNorm cannot (its statistics are each slot's own) and follows it
            float[][] fold = foldConv(c, f, gc, w.batchNormEps(), !layerNorm);
            // the filter half (output channels 0..F-1) and the core half (F..2F-1) are computed apart, so no
            // Split has to copy the [N, M, 2F] tensor
            String[] half = new String[2];
            for (int h = 0; h < 2; h++) {
                String hx = px + (h == 0 ? "filter_" : "core_");
                String self = g.node("MatMul", new String[] {x, g.constant(hx + "w_self", new long[] {f, f}, columns(fold[0], 2 * f, f, h * f, f))}); // [N, F]
                String nbr = g.node("MatMul", new String[] {x, g.constant(hx + "w_nbr", new long[] {f, f}, columns(fold[1], 2 * f, f, h * f, f))});   // [N, F]
                String nbrTable = h == 0 || !sink ? nbr : g.node("Concat", new String[] {nbr, sinkRow}, OnnxGraphBuilder.intAttribute("axis", 0));       // core: [N + 1, F]
                String nbrG = g.node("Gather", new String[] {nbrTable, h == 0 || !sink ? ModelIo.NBR_INDEX : sinkIndex},
                    OnnxGraphBuilder.intAttribute("axis", 0));                                                                                   // [N, M, F]
                // the atom terms and the bias are summed first ([N, F] + [F] is cheap), then added to the gathered
                // neighbour term in one [N, M, F] pass, and that sum enters the edge GEMM as its C input: the GEMM
                // starts from it instead of a separate Add pass over its output
                String selfBias = g.node("Add", new String[] {self, g.constant(hx + "bias", new long[] {f}, Arrays.copyOfRange(fold[3], h * f, h * f + f))});
                String atoms = g.node("Reshape", new String[] {g.node("Add", new String[] {nbrG, g.node("Unsqueeze", new String[] {selfBias, axis1})}),
                    shapeNmF2});                                                                                                                 // [N·M, F]
                String pre2 = g.node("Gemm", new String[] {e2, g.constant(hx + "w_edge", new long[] {gc, f}, columns(fold[2], 2 * f, gc, h * f, f)),
                    atoms});                                                                                                                     // [N·M, F]
                half[h] = g.node("Reshape", new String[] {pre2, shapeNmF});                                                                         // [N, M, F]
                if (layerNorm) {
                    half[h] = layerNorm(g, half[h], hx + "ln", Arrays.copyOfRange(c.bn1().gamma(), h * f, h * f + f),
                        Arrays.copyOfRange(c.bn1().beta(), h * f, h * f + f), w.batchNormEps());                                             // [N, M, F]
                }
            }
            String gated = g.node("Mul", new String[] {g.node("Sigmoid", new String[] {half[0]}), activation(g, act, half[1])});  // [N, M, F]
            if (!sink) {
                gated = g.node("Mul", new String[] {gated, mask3});                                                        // masked slots: exactly 0
            }
            String sum = g.node("ReduceSum", new String[] {gated, axis1}, OnnxGraphBuilder.intAttribute("keepdims", 0));  // [N, F]
            String bn2 = layerNorm ? layerNorm(g, sum, px + "ln2", c.bn2().gamma(), c.bn2().beta(), w.batchNormEps())                // [N, F]
                : g.node("Add", new String[] {g.node("Mul", new String[] {sum, g.constant(px + "bn2_scale", new long[] {f}, fold[4])}),
                    g.constant(px + "bn2_shift", new long[] {f}, fold[5])});
            x = activation(g, act, g.node("Add", new String[] {x, bn2}));                                                         // [N, F]
            layer++;
        }

        // per-site head
        String h = activation(g, act, x);                                                                              // [N, F]
        if (spec.hyperparameters().crystalContext()) {
            h = g.node("Concat", new String[] {h, crystalMean(g, h, axis1)}, OnnxGraphBuilder.intAttribute("axis", 1));          // [N, 2F]
        }
        int k = 0;
        for (CgcnnWeights.Linear hidden : w.hidden()) {
            String wt = g.constant("head" + k + "_w", new long[] {hidden.in(), hidden.out()}, transpose(hidden));
            String b = g.constant("head" + k + "_b", new long[] {hidden.out()}, hidden.bias());
            h = activation(g, act, g.node("Add", new String[] {g.node("MatMul", new String[] {h, wt}), b}));
            k++;
        }
        CgcnnWeights.Linear out = w.out();
        float[] wOut = transpose(out);  // [in, P]
        float[] bOut = new float[p];
        for (int q = 0; q < p; q++) {
            PropertySpec prop = spec.properties().get(q);
            for (int i = 0; i < out.in(); i++) {
                wOut[i * p + q] = (float) (wOut[i * p + q] * prop.std());
            }
            bOut[q] = (float) (out.bias()[q] * prop.std() + prop.mean());
        }
        CgcnnWeights.ElementAffine affine = w.elementAffine();
        if (w.stateBins() != null) {
            stateHead(g, spec, w.stateBins(), out, h, axis2);
        } else if (affine == null) {
            String y = g.node("MatMul", new String[] {h, g.constant("out_w_denormalised", new long[] {out.in(), p}, wOut)});
            g.node("Add", new String[] {y, g.constant("out_b_denormalised", new long[] {p}, bOut)}, new String[] {ModelIo.SITE_VALUES});
        } else {
            // per-element affine: ((W h + b) · s[Z] + t[Z]) · std + mean = (W h + b) · (s[Z] · std) + (t[Z] · std + mean), so the
            // output layer stays normalised and the two [Z + 1, P] tables carry the de-normalisation (the output weight keeps
            // the name ModelIo.OUTPUT_WEIGHT, by which the trust head finds h)
            float[] scale = new float[affine.rows() * p];
            float[] shift = new float[affine.rows() * p];
            for (int z = 0; z < affine.rows(); z++) {
                for (int q = 0; q < p; q++) {
                    PropertySpec prop = spec.properties().get(q);
                    scale[z * p + q] = (float) (affine.scale(z, q) * prop.std());
                    shift[z * p + q] = (float) (affine.shift(z, q) * prop.std() + prop.mean());
                }
            }
            String y = g.node("Add", new String[] {g.node("MatMul", new String[] {h, g.constant(ModelIo.OUTPUT_WEIGHT, new long[] {out.in(), p}, transpose(out))}),
                g.constant("out_b", new long[] {p}, out.bias())});                                                                   // [N, P]
            String s = g.node("Gather", new String[] {g.constant("element_scale_denormalised", new long[] {affine.rows(), p}, scale), ModelIo.SPECIES},
                OnnxGraphBuilder.intAttribute("axis", 0));                                                                           // [N, P]
            String t = g.node("Gather", new String[] {g.constant("element_shift_denormalised", new long[] {affine.rows(), p}, shift), ModelIo.SPECIES},
                OnnxGraphBuilder.intAttribute("axis", 0));                                                                           // [N, P]
            g.node("Add", new String[] {g.node("Mul", new String[] {y, s}), t}, new String[] {ModelIo.SITE_VALUES});
        }

        return OnnxGraphBuilder.model(g.build(), spec, "per-site CGCNN " + spec.name() + " v" + spec.version());
    }

    /**
     * A state head's readout, de-normalised, into {@link ModelIo#SITE_VALUES} [N, P]: the output layer (kept normalised,
     * named {@link ModelIo#OUTPUT_WEIGHT} so the trust head finds h) gives [N, 2 S P] → [N, P, 2 S], split into logits and
     * offsets [N, P, S]; the values are centres + offsets; the chosen bin is the first where the cumulative softmax of
     * the logits reaches 1/2 (ArgMax over a 0/1 mask returns the first 1); its value is gathered, then {@code · std + mean}.
     */
    static void stateHead(OnnxGraphBuilder g, ModelSpec spec, CgcnnWeights.StateBins bins, CgcnnWeights.Linear out, String h, String axis2) {
        int p = bins.properties();
        int s = bins.bins();
        String raw = g.node("Add", new String[] {g.node("MatMul", new String[] {h, g.constant(ModelIo.OUTPUT_WEIGHT, new long[] {out.in(), out.out()}, transpose(out))}),
            g.constant("out_b", new long[] {out.out()}, out.bias())});                                                          // [N, 2SP]
        String raw3 = g.node("Reshape", new String[] {raw, g.constantLong("state_shape_n_p_2s", new long[] {3}, new long[] {-1, p, 2L * s})}); // [N, P, 2S]
        String logits = g.node("Slice", new String[] {raw3, g.constantLong("state_logits_from", new long[] {1}, new long[] {0}),
            g.constantLong("state_logits_to", new long[] {1}, new long[] {s}), axis2});                                             // [N, P, S]
        String offsets = g.node("Slice", new String[] {raw3, g.constantLong("state_offsets_from", new long[] {1}, new long[] {s}),
            g.constantLong("state_offsets_to", new long[] {1}, new long[] {2L * s}), axis2});                                       // [N, P, S]
        String values = g.node("Add", new String[] {offsets, g.constant("state_centres", new long[] {p, s}, bins.centres())});    // [N, P, S]
        String probs = g.node("Softmax", new String[] {logits}, OnnxGraphBuilder.intAttribute("axis", 2));                       // [N, P, S]
        String cdf = g.node("CumSum", new String[] {probs, g.constantLong("state_axis", new long[] {}, new long[] {2})});        // [N, P, S]
        String reached = g.node("Cast", new String[] {g.node("GreaterOrEqual", new String[] {cdf, g.constant("state_half", new long[] {}, new float[] {0.5f})})},
            OnnxGraphBuilder.intAttribute("to", TensorProto.DataType.FLOAT_VALUE));                                              // [N, P, S], 0/1
        String bin = g.node("ArgMax", new String[] {reached}, OnnxGraphBuilder.intAttribute("axis", 2), OnnxGraphBuilder.intAttribute("keepdims", 1)); // [N, P, 1]
        String y = g.node("Squeeze", new String[] {g.node("GatherElements", new String[] {values, bin}, OnnxGraphBuilder.intAttribute("axis", 2)), axis2}); // [N, P]
        float[] std = new float[p];
        float[] mean = new float[p];
        for (int q = 0; q < p; q++) {
            std[q] = (float) spec.properties().get(q).std();
            mean[q] = (float) spec.properties().get(q).mean();
        }
        g.node("Add", new String[] {g.node("Mul", new String[] {y, g.constant("state_std", new long[] {p}, std)}), g.constant("state_mean", new long[] {p}, mean)},
            new String[] {ModelIo.SITE_VALUES});
    }

    /**
     * Each site's crystal mean of h [N, F] → [N, F]: the rows of h summed per structure by ScatterElements (reduction
     * add) over {@link ModelIo#SITE_STRUCTURE} into [N, F] (row s = structure s; a padding atom is a structure of its
     * own), divided by the structure's atom count, and gathered back by each atom's structure.
     */
    static String crystalMean(OnnxGraphBuilder g, String h, String axis1) {
        String shape = g.node("Shape", new String[] {h});                                                                   // [2] = (N, F)
        String zeros = g.node("ConstantOfShape", new String[] {shape}, OnnxGraphBuilder.floatTensorAttribute("value", 0f));  // [N, F]
        String structure2 = g.node("Expand", new String[] {g.node("Unsqueeze", new String[] {ModelIo.SITE_STRUCTURE, axis1}), shape});                                     // [N, F]
        String sums = g.node("ScatterElements", new String[] {zeros, structure2, h}, OnnxGraphBuilder.intAttribute("axis", 0),
            OnnxGraphBuilder.stringAttribute("reduction", "add"));                                                          // [N, F], per structure
        String shapeN = g.node("Shape", new String[] {ModelIo.SITE_STRUCTURE});                                            // [1] = (N)
        String counts = g.node("ScatterElements", new String[] {g.node("ConstantOfShape", new String[] {shapeN},
            OnnxGraphBuilder.floatTensorAttribute("value", 0f)), ModelIo.SITE_STRUCTURE, g.node("ConstantOfShape", new String[] {shapeN},
            OnnxGraphBuilder.floatTensorAttribute("value", 1f))}, OnnxGraphBuilder.intAttribute("axis", 0),
            OnnxGraphBuilder.stringAttribute("reduction", "add"));                                                          // [N], per structure
        String perAtomSum = g.node("Gather", new String[] {sums, ModelIo.SITE_STRUCTURE}, OnnxGraphBuilder.intAttribute("axis", 0));   // [N, F]
        String perAtomCount = g.node("Gather", new String[] {counts, ModelIo.SITE_STRUCTURE}, OnnxGraphBuilder.intAttribute("axis", 0)); // [N], ≥ 1
        return g.node("Div", new String[] {perAtomSum, g.node("Unsqueeze", new String[] {perAtomCount, axis1})});                                           // [N, F]
    }

    /**
     * The bond-valence channels' contribution to the embedding, {@code W_bv log(1 + V) + b_bv} [N, F], with
     * {@code V_ik = Σ_j mask_ij · exp(clamp((r[Z_i, k] + r[Z_j, k] - d_ij) / b))} ({@link CgcnnWeights.BondValence}).
     */
    static String bondValence(OnnxGraphBuilder g, CgcnnWeights.BondValence bv, String axis1, String d3, String mask3) {
        int k = bv.channels();
        String ri = g.node("Gather", new String[] {g.constant("bond_valence_radius", new long[] {bv.rows(), k}, bv.radius()), ModelIo.SPECIES},
            OnnxGraphBuilder.intAttribute("axis", 0));                                                                   // [N, K]
        String rj = g.node("Gather", new String[] {ri, ModelIo.NBR_INDEX}, OnnxGraphBuilder.intAttribute("axis", 0));      // [N, M, K]
        String r0 = g.node("Add", new String[] {g.node("Unsqueeze", new String[] {ri, axis1}), rj});                       // [N, M, K]
        String excess = g.node("Sub", new String[] {r0, d3});                                                               // [N, M, K]
        String exponent = g.node("Mul", new String[] {excess, g.constant("bond_valence_inv_b", new long[] {}, new float[] {(float) (1 / CgcnnWeights.BondValence.B)})});
        exponent = g.node("Min", new String[] {g.node("Max", new String[] {exponent,
            g.constant("bond_valence_min_exponent", new long[] {}, new float[] {(float) CgcnnWeights.BondValence.MIN_EXPONENT})}),
            g.constant("bond_valence_max_exponent", new long[] {}, new float[] {(float) CgcnnWeights.BondValence.MAX_EXPONENT})});
        String bonds = g.node("Mul", new String[] {g.node("Exp", new String[] {exponent}), mask3});                         // [N, M, K], masked slots 0
        String sums = g.node("ReduceSum", new String[] {bonds, axis1}, OnnxGraphBuilder.intAttribute("keepdims", 0));    // [N, K]
        String u = g.node("Log", new String[] {g.node("Add", new String[] {sums, g.constant("bond_valence_one", new long[] {}, new float[] {1f})})});
        return g.node("Add", new String[] {g.node("MatMul", new String[] {u, g.constant("bond_valence_w", new long[] {k, bv.projection().out()},
            transpose(bv.projection()))}), g.constant("bond_valence_b", new long[] {bv.projection().out()}, bv.projection().bias())});  // [N, F]
    }

    /** The card's activation over a tensor: softplus (five passes, exact) or SiLU, {@code x · sigmoid(x)} (two). */
    static String activation(OnnxGraphBuilder g, Activation act, String x) {
        return act == Activation.SILU ? g.node("Mul", new String[] {x, g.node("Sigmoid", new String[] {x})}) : softplus(g, x);
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    /**
     * softplus(x) = log(1 + e^x) written as {@code relu(x) - log(sigmoid(|x|))}: the same function, exact in
     * real arithmetic and never overflowing (sigmoid(|x|) lies in [0.5, 1)), built from kernels that
     * ONNX Runtime vectorises; its own Softplus kernel is about ten times slower than Sigmoid.
     */
    static String softplus(OnnxGraphBuilder g, String x) {
        String logSig = g.node("Log", new String[] {g.node("Sigmoid", new String[] {g.node("Abs", new String[] {x})})});
        return g.node("Sub", new String[] {g.node("Relu", new String[] {x}), logSig});
    }

    /** LayerNormalization over the last axis of x [..., C] with gamma and beta [C]. */
    static String layerNorm(OnnxGraphBuilder g, String x, String name, float[] gamma, float[] beta, double eps) {
        return g.node("LayerNormalization", new String[] {x, g.constant(name + "_gamma", new long[] {gamma.length}, gamma),
            g.constant(name + "_beta", new long[] {beta.length}, beta)}, OnnxGraphBuilder.intAttribute("axis", -1),
            OnnxGraphBuilder.floatAttribute("epsilon", (float) eps));
    }

    /**
     * BN1 folded into the three blocks of W (when {@code foldBatchNorm}; else W as it is): returns {A_self [F, 2F],
     * A_nbr [F, 2F], A_edge [G, 2F], c [2F], bn2 scale [F], bn2 shift [F]}, each row-major.
     */
    static float[][] foldConv(CgcnnWeights.ConvLayer c, int f, int gc, double eps, boolean foldBatchNorm) {
        CgcnnWeights.Linear full = c.full();
        int out = 2 * f;
        double[] s1 = new double[out];
        float[] bias = new float[out];
        for (int o = 0; o < out; o++) {
            s1[o] = foldBatchNorm ? c.bn1().gamma()[o] / Math.sqrt(c.bn1().runningVar()[o] + eps) : 1;
            double shift = foldBatchNorm ? c.bn1().beta()[o] - c.bn1().runningMean()[o] * s1[o] : 0;
            bias[o] = (float) (full.bias()[o] * s1[o] + shift);
        }
        float[] self = new float[f * out];
        float[] nbr = new float[f * out];
        float[] edge = new float[gc * out];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < f; i++) {
                self[i * out + o] = (float) (full.w(o, i) * s1[o]);
                nbr[i * out + o] = (float) (full.w(o, f + i) * s1[o]);
            }
            for (int q = 0; q < gc; q++) {
                edge[q * out + o] = (float) (full.w(o, 2 * f + q) * s1[o]);
            }
        }
        float[] scale2 = new float[f];
        float[] shift2 = new float[f];
        for (int ch = 0; ch < f; ch++) {
            double s2 = c.bn2().gamma()[ch] / Math.sqrt(c.bn2().runningVar()[ch] + eps);
            scale2[ch] = (float) s2;
            shift2[ch] = (float) (c.bn2().beta()[ch] - c.bn2().runningMean()[ch] * s2);
        }
        return new float[][] {self, nbr, edge, bias, scale2, shift2};
    }

    /** Columns [from, from + count) of a row-major [rows, width] matrix, as a [rows, count] matrix. */
    static float[] columns(float[] a, int width, int rows, int from, int count) {
        float[] out = new float[rows * count];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(a, r * width + from, out, r * count, count);
        }
        return out;
    }

    /** W [out, in] → W^T [in, out], row-major. */
    private static float[] transpose(CgcnnWeights.Linear l) {
        float[] t = new float[l.in() * l.out()];
        for (int o = 0; o < l.out(); o++) {
            for (int i = 0; i < l.in(); i++) {
                t[i * l.out() + o] = l.w(o, i);
            }
        }
        return t;
    }
}
