package org.persite.model;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.persite.model.onnx.OnnxProto.AttributeProto;
import org.persite.model.onnx.OnnxProto.GraphProto;
import org.persite.model.onnx.OnnxProto.NodeProto;
import org.persite.model.onnx.OnnxProto.TensorProto;
import org.persite.model.onnx.OnnxProto.TensorShapeProto;
import org.persite.model.onnx.OnnxProto.TypeProto;
import org.persite.model.onnx.OnnxProto.ValueInfoProto;

/** A small builder of ONNX graphs: named initializers (little-endian raw data), nodes with fresh output names. */
final class OnnxGraphBuilder {
    private final GraphProto.Builder graph;
    private final String prefix;
    private int counter;

    OnnxGraphBuilder(String name) {
        this.graph = GraphProto.newBuilder().setName(name);
        this.prefix = "";
    }

    /** Adds to an existing graph; every node and value it names starts with {@code prefix}, so no name can clash. */
    OnnxGraphBuilder(GraphProto.Builder existing, String prefix) {
        this.graph = existing;
        this.prefix = prefix;
    }

    /** A graph input or output; a dim is a size, or a symbolic name when it is a String. */
    static ValueInfoProto value(String name, TensorProto.DataType type, String doc, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof String s) {
                dim.setDimParam(s);
            } else {
                dim.setDimValue(((Number) d).longValue());
            }
            shape.addDim(dim);
        }
        return ValueInfoProto.newBuilder().setName(name).setDocString(doc)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)))
                .build();
    }

    /** The {@link ModelIo#SITE_STRUCTURE} input, int64 [N], as every graph that reads it declares it. */
    static ValueInfoProto siteStructureInput() {
        return value(ModelIo.SITE_STRUCTURE, TensorProto.DataType.INT64, "index of each atom's structure in the batch; a padding atom gives its own atom index",
                ModelIo.DIM_ATOMS);
    }

    void input(ValueInfoProto v) {
        graph.addInput(v);
    }

    void output(ValueInfoProto v) {
        graph.addOutput(v);
    }

    /** A float32 constant of the given shape. */
    String constant(String name, long[] dims, float[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        return addInitializer(name, dims, TensorProto.DataType.FLOAT, b.array());
    }

    /** A float64 constant of the given shape. */
    String constantDouble(String name, long[] dims, double[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(data);
        return addInitializer(name, dims, TensorProto.DataType.DOUBLE, b.array());
    }

    /** An int64 constant of the given shape. */
    String constantLong(String name, long[] dims, long[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(data);
        return addInitializer(name, dims, TensorProto.DataType.INT64, b.array());
    }

    private String addInitializer(String name, long[] dims, TensorProto.DataType type, byte[] raw) {
        name = prefix + name;
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber()).setRawData(ByteString.copyFrom(raw));
        for (long d : dims) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    /** Adds a node with one output, named after the op; returns the output's name. */
    String node(String op, String[] inputs, AttributeProto... attributes) {
        String out = prefix + op.toLowerCase() + "_" + (counter++);
        node(op, inputs, new String[] {out}, attributes);
        return out;
    }

    /** Adds a node with the given outputs. */
    void node(String op, String[] inputs, String[] outputs, AttributeProto... attributes) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(prefix + op + "_" + (counter++));
        for (String in : inputs) {
            n.addInput(in);
        }
        for (String out : outputs) {
            n.addOutput(out);
        }
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        graph.addNode(n);
    }

    static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto floatAttribute(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    static AttributeProto stringAttribute(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFromUtf8(value)).build();
    }

    static AttributeProto intsAttribute(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    /** A one-element tensor attribute (ConstantOfShape's {@code value}). */
    static AttributeProto doubleTensorAttribute(String name, double value) {
        TensorProto t = TensorProto.newBuilder().setDataType(TensorProto.DataType.DOUBLE.getNumber()).addDims(1)
                .setRawData(ByteString.copyFrom(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(0, value).array())).build();
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR).setT(t).build();
    }

    /** A one-element float tensor attribute (ConstantOfShape's {@code value}). */
    static AttributeProto floatTensorAttribute(String name, float value) {
        TensorProto t = TensorProto.newBuilder().setDataType(TensorProto.DataType.FLOAT.getNumber()).addDims(1)
                .setRawData(ByteString.copyFrom(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, value).array())).build();
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR).setT(t).build();
    }

    GraphProto build() {
        return graph.build();
    }

    /**
     * A ModelProto around a graph: IR version, the ai.onnx opset, producer, and the metadata
     * persite.model and persite.version, plus {@code extraMetadata} (key, value, key, value, ...).
     */
    static org.persite.model.onnx.OnnxProto.ModelProto model(GraphProto graph, ModelSpec spec, String doc, String... extraMetadata) {
        var model = org.persite.model.onnx.OnnxProto.ModelProto.newBuilder()
                .setIrVersion(ModelIo.IR_VERSION)
                .addOpsetImport(org.persite.model.onnx.OnnxProto.OperatorSetIdProto.newBuilder().setDomain("").setVersion(ModelIo.OPSET))
                .setProducerName("persite")
                .setProducerVersion("0.1.0")
                .setDomain("org.persite")
                .setModelVersion(spec.version())
                .setDocString(doc)
                .setGraph(graph);
        java.util.List<String> md = new java.util.ArrayList<>(java.util.List.of("persite.model", spec.name(), "persite.version",
                Integer.toString(spec.version())));
        md.addAll(java.util.List.of(extraMetadata));
        for (int i = 0; i + 1 < md.size(); i += 2) {
            model.addMetadataProps(org.persite.model.onnx.OnnxProto.StringStringEntryProto.newBuilder().setKey(md.get(i)).setValue(md.get(i + 1)));
        }
        return model.build();
    }
}
