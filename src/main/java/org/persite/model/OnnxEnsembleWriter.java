package org.persite.model;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.persite.model.onnx.OnnxProto.AttributeProto;
import org.persite.model.onnx.OnnxProto.GraphProto;
import org.persite.model.onnx.OnnxProto.ModelProto;
import org.persite.model.onnx.OnnxProto.NodeProto;
import org.persite.model.onnx.OnnxProto.TensorProto;
import org.persite.model.onnx.OnnxProto.ValueInfoProto;

/**
 * Joins K trained per-site models (K ≥ 2, the same inputs and P) into one ONNX graph that runs every member
 * on the shared inputs and gives two outputs:
 * <ul>
 *   <li>{@link ModelIo#SITE_VALUES} [N, P]: the mean over the members, and</li>
 *   <li>{@link ModelIo#SITE_STD} [N, P]: the sample standard deviation over the members (divisor K - 1),
 *       times a calibration scale (1 unless given), the per-site uncertainty.</li>
 * </ul>
 * Each member's graph is copied unchanged except for its names: every initializer, node and intermediate
 * value gets the prefix {@code m<k>/}, and its {@code site_values} becomes {@code m<k>/site_values} [N, P].
 * The members are stacked into Y [K, N, P]; mean = ReduceMean(Y, axis 0); std = sqrt(ReduceSumSquare(Y -
 * mean, axis 0) · scale² / (K - 1)).
 */
public final class OnnxEnsembleWriter {
    private OnnxEnsembleWriter() {
    }

    /**
     * The serialised ensemble.
     *
     * @param members each member's model.onnx bytes, as written by {@link OnnxCgcnnWriter}
     * @throws IllegalArgumentException when fewer than two members are given, a member is not a per-site model,
     *     or the members' inputs and outputs differ
     */
    public static byte[] write(ModelSpec spec, List<byte[]> members) {
        return write(spec, members, 1);
    }

    /**
     * The serialised ensemble whose standard deviation is multiplied by {@code stdScale} (a calibration factor
     * fitted on validation data; see {@code EnsembleJob}).
     */
    public static byte[] write(ModelSpec spec, List<byte[]> members, double stdScale) {
        if (!(stdScale > 0) || Double.isInfinite(stdScale)) {
            throw new IllegalArgumentException("the standard deviation's scale must be positive and finite, got " + stdScale);
        }
        if (members.size() < 2) {
            throw new IllegalArgumentException("an ensemble needs at least 2 members, got " + members.size());
        }
        GraphProto first = parse(members.get(0), 0).getGraph();
        Set<String> inputs = new HashSet<>();
        first.getInputList().forEach(v -> inputs.add(v.getName()));
        GraphProto.Builder g = GraphProto.newBuilder().setName("persite_cgcnn_ensemble");
        g.addAllInput(first.getInputList());
        g.addOutput(withName(first.getOutput(0), ModelIo.SITE_VALUES, "per-site predictions: the mean over the ensemble's members"));
        g.addOutput(withName(first.getOutput(0), ModelIo.SITE_STD, "per-site standard deviation over the ensemble's members (divisor K - 1)"));

        String[] unsqueezed = new String[members.size()];
        String axis0 = "ensemble/axes_0";
        g.addInitializer(TensorProto.newBuilder().setName(axis0).setDataType(TensorProto.DataType.INT64.getNumber()).addDims(1).addInt64Data(0));
        for (int k = 0; k < members.size(); k++) {
            GraphProto m = parse(members.get(k), k).getGraph();
            if (!m.getInputList().equals(first.getInputList()) || !m.getOutputList().equals(first.getOutputList())) {
                throw new IllegalArgumentException("ensemble member " + k + " has other inputs or outputs than member 0");
            }
            String prefix = "m" + k + "/";
            UnaryOperator<String> rename = name -> name.isEmpty() || inputs.contains(name) ? name : prefix + name;
            for (TensorProto t : m.getInitializerList()) {
                g.addInitializer(t.toBuilder().setName(rename.apply(t.getName())));
            }
            for (NodeProto n : m.getNodeList()) {
                NodeProto.Builder b = n.toBuilder().setName(prefix + n.getName()).clearInput().clearOutput();
                n.getInputList().forEach(in -> b.addInput(rename.apply(in)));
                n.getOutputList().forEach(out -> b.addOutput(rename.apply(out)));
                g.addNode(b);
            }
            unsqueezed[k] = prefix + "site_values_1np";                                                    // [1, N, P]
            g.addNode(node("Unsqueeze", new String[] {prefix + ModelIo.SITE_VALUES, axis0}, unsqueezed[k]));
        }
        g.addNode(node("Concat", unsqueezed, "ensemble/stacked", intAttribute("axis", 0)));                 // [K, N, P]
        g.addNode(node("ReduceMean", new String[] {"ensemble/stacked"}, ModelIo.SITE_VALUES, intsAttribute("axes", 0),
                intAttribute("keepdims", 0)));                                                            // [N, P]
        g.addNode(node("Sub", new String[] {"ensemble/stacked", ModelIo.SITE_VALUES}, "ensemble/deviation"));   // [K, N, P]
        g.addNode(node("ReduceSumSquare", new String[] {"ensemble/deviation"}, "ensemble/sum_sq", intsAttribute("axes", 0),
                intAttribute("keepdims", 0)));                                                            // [N, P]
        g.addInitializer(TensorProto.newBuilder().setName("ensemble/scale2_over_k_minus_1").setDataType(TensorProto.DataType.FLOAT.getNumber())
                .addFloatData((float) (stdScale * stdScale / (members.size() - 1))));
        g.addNode(node("Mul", new String[] {"ensemble/sum_sq", "ensemble/scale2_over_k_minus_1"}, "ensemble/variance"));
        g.addNode(node("Sqrt", new String[] {"ensemble/variance"}, ModelIo.SITE_STD));                         // [N, P]

        return OnnxGraphBuilder.model(g.build(), spec, "per-site CGCNN ensemble of " + members.size() + " members, " + spec.name() + " v"
                + spec.version(), "persite.ensemble_members", Integer.toString(members.size())).toByteArray();
    }

    /** A member's plain graph (its trust head, if it has one, is left out: the ensemble gets its own). */
    private static ModelProto parse(byte[] onnx, int k) {
        try {
            byte[] plain;
            try {
                plain = OnnxTrustHead.strip(onnx);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("ensemble member " + k + " is not an ONNX model: " + e.getMessage(), e);
            }
            ModelProto m = ModelProto.parseFrom(plain);
            if (m.getGraph().getOutputCount() != 1 || !ModelIo.SITE_VALUES.equals(m.getGraph().getOutput(0).getName())) {
                throw new IllegalArgumentException("ensemble member " + k + " is not a single per-site model (one output, " + ModelIo.SITE_VALUES + ")");
            }
            if (m.getOpsetImportList().stream().noneMatch(o -> o.getDomain().isEmpty() && o.getVersion() == ModelIo.OPSET)) {
                throw new IllegalArgumentException("ensemble member " + k + " does not use ai.onnx opset " + ModelIo.OPSET);
            }
            return m;
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("ensemble member " + k + " is not an ONNX model: " + e.getMessage(), e);
        }
    }

    private static ValueInfoProto withName(ValueInfoProto v, String name, String doc) {
        return v.toBuilder().setName(name).setDocString(doc).build();
    }

    private static NodeProto node(String op, String[] inputs, String output, AttributeProto... attributes) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName("ensemble/" + op + "_" + output.replace('/', '_'));
        for (String in : inputs) {
            n.addInput(in);
        }
        n.addOutput(output);
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        return n.build();
    }

    private static AttributeProto intAttribute(String name, long value) {
        return OnnxGraphBuilder.intAttribute(name, value);
    }

    private static AttributeProto intsAttribute(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }
}
