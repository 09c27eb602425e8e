package org.persite.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One gated graph convolution of the per-site CGCNN (GUIDE §1).
 *
 * <p>Inputs: x [N, F] atom features, nbr_index int64 [N, M], e [N, M, G] edge features, mask [N, M] (left out when
 * every slot is real: the same result with three fewer passes over [N, M, 2F]).
 * Output: x' [N, F].
 *
 * <p>{@code z_ij = BN1(W [x_i; x_j; e_ij] + b)} [N, M, 2F], computed in the factorised form
 * {@code x_i W_self + (x W_nbr)[j] + e_ij W_edge + b} (the same numbers, a third of the work);
 * {@code s_i = Σ_j mask_ij · sigmoid(filter_ij) · softplus(core_ij)} [N, F];
 * {@code x_i' = softplus(x_i + BN2(s_i))}. BN1's batch statistics are taken over unmasked slots only, and
 * BN2's over the atoms of the batch (training batches have no padding atoms), so neither empty slots nor
 * padding ever enter them. Running statistics use momentum 0.1 and the unbiased variance, as PyTorch does.
 * With LayerNorm (issue 20 item 7), BN1 normalises each gate half of z_ij over its F channels and BN2 each s_i, on
 * their own statistics, with the same gamma and beta parameters.
 */
public final class GatedConvolution extends AbstractBlock {
    static final float MOMENTUM = 0.1f;

    private final int features;
    private final int gaussians;
    private final float eps;
    private final Linear full;
    private final Parameter bn1Gamma;
    private final Parameter bn1Beta;
    private final Parameter bn1Mean;
    private final Parameter bn1Var;
    private final Parameter bn2Gamma;
    private final Parameter bn2Beta;
    private final Parameter bn2Mean;
    private final Parameter bn2Var;

    private final org.persite.model.Activation activation;

    /** With LayerNorm in place of both BatchNorms ({@link org.persite.model.CgcnnHyperparameters#layerNorm()}). */
    private final boolean layerNorm;

    GatedConvolution(int features, int gaussians, float eps, org.persite.model.Activation activation) {
        this(features, gaussians, eps, activation, false);
    }

    GatedConvolution(int features, int gaussians, float eps, org.persite.model.Activation activation, boolean layerNorm) {
        super((byte) 1);
        this.layerNorm = layerNorm;
        this.activation = activation;
        this.features = features;
        this.gaussians = gaussians;
        this.eps = eps;
        this.full = addChildBlock("full", Linear.builder().setUnits(2L * features).build());
        bn1Gamma = addParameter(param("bn1_gamma", Parameter.Type.GAMMA, 2 * features));
        bn1Beta = addParameter(param("bn1_beta", Parameter.Type.BETA, 2 * features));
        bn1Mean = addParameter(param("bn1_running_mean", Parameter.Type.RUNNING_MEAN, 2 * features));
        bn1Var = addParameter(param("bn1_running_var", Parameter.Type.RUNNING_VAR, 2 * features));
        bn2Gamma = addParameter(param("bn2_gamma", Parameter.Type.GAMMA, features));
        bn2Beta = addParameter(param("bn2_beta", Parameter.Type.BETA, features));
        bn2Mean = addParameter(param("bn2_running_mean", Parameter.Type.RUNNING_MEAN, features));
        bn2Var = addParameter(param("bn2_running_var", Parameter.Type.RUNNING_VAR, features));
    }

    private static Parameter param(String name, Parameter.Type type, int size) {
        boolean learned = type != Parameter.Type.RUNNING_MEAN && type != Parameter.Type.RUNNING_VAR;
        return Parameter.builder().setName(name).setType(type).optShape(new Shape(size)).optRequiresGrad(learned).build();
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        full.initialize(manager, dataType, new Shape(-1, 2L * features + gaussians));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    /** The full linear layer [2F, 2F + G] acting on [x_i; x_j; e_ij]. */
    Linear full() {
        return full;
    }

    Parameter[] batchNorm1() {
        return new Parameter[] {bn1Gamma, bn1Beta, bn1Mean, bn1Var};
    }

    Parameter[] batchNorm2() {
        return new Parameter[] {bn2Gamma, bn2Beta, bn2Mean, bn2Var};
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);        // [N, F]
        NDArray index = inputs.get(1);    // [N, M] int64
        NDArray e = inputs.get(2);        // [N, M, G]
        NDArray mask = inputs.size() > 3 ? inputs.get(3) : null;     // [N, M]; absent: every slot is real
        int f = features;
        NDArray w = ps.getValue(full.getParameters().get("weight"), x.getDevice(), training);   // [2F, 2F + G]
        NDArray b = ps.getValue(full.getParameters().get("bias"), x.getDevice(), training);     // [2F]
        // A result belongs to its first operand's manager: anything computed from a parameter alone would live in
        // the model's manager until training ends (150 arrays an epoch on sample_500: the native memory growth).
        // local() moves each such array into the batch's manager, closed with the batch.
        NDArray wSelf = local(local(w.get(new NDIndex(":, 0:" + f)), x).transpose(), x);                   // [F, 2F]
        NDArray wNbr = local(local(w.get(new NDIndex(":, " + f + ":" + 2 * f)), x).transpose(), x);        // [F, 2F]
        NDArray wEdge = local(local(w.get(new NDIndex(":, " + 2 * f + ":")), x).transpose(), x);           // [G, 2F]
        NDArray self = x.matMul(wSelf).add(b);                                                   // [N, 2F], the bias folded in
        // the neighbour term x_j W_nbr, gathered as an embedding lookup: the same values as x[index], but its backward
        // (embedding_dense_backward) sums in parallel, where index_put_'s accumulate ran on one thread (11% of an epoch)
        NDArray nbrTerm = x.matMul(wNbr);                                                        // [N, 2F]
        NDArray nbr = nbrTerm.getNDArrayInternal().embedding(index, nbrTerm, ai.djl.ndarray.types.SparseFormat.DENSE)
                .singletonOrThrow();                                                             // [N, M, 2F]
        NDArray z = e.matMul(wEdge).add(nbr).add(self.expandDims(1));                           // [N, M, 2F]

        // without a mask (every slot real, PerSiteCgcnn decides once per batch) the passes that apply it are skipped
        NDArray m3 = mask == null ? null : mask.expandDims(2);                                    // [N, M, 1]
        z = layerNorm ? layerNorm(ps, z, 2, batchNorm1(), training) : batchNorm(ps, z, m3, new int[] {0, 1}, batchNorm1(), training);
        NDList halves = z.split(2, 2);                                                             // filter, core: [N, M, F]
        NDArray gated = Activation.sigmoid(halves.get(0)).mul(activate(activation, halves.get(1)));        // [N, M, F]
        if (m3 != null) {
            gated = gated.mul(m3);                                                                 // masked slots: 0
        }
        NDArray s = gated.sum(new int[] {1});                                                      // [N, F]
        s = layerNorm ? layerNorm(ps, s, 1, batchNorm2(), training) : batchNorm(ps, s, null, new int[] {0}, batchNorm2(), training);
        return new NDList(activate(activation, x.add(s)));
    }

    /** The model's activation: softplus (the paper's) or SiLU, {@code x · sigmoid(x)}. */
    static NDArray activate(org.persite.model.Activation a, NDArray x) {
        return a == org.persite.model.Activation.SILU ? x.mul(Activation.sigmoid(x)) : Activation.softPlus(x);
    }

    /**
     * BatchNorm over {@code axes}, counting only entries where {@code weight} is 1 (all when null). The output is one
     * affine map per channel, {@code (v - mean) * a + beta} with {@code a = gamma / sqrt(var + eps)} [C]: two passes
     * over {@code v}'s size instead of four ({@code sub, div, mul, add}), and in training the centred values that
     * the variance needed are reused.
     */
    private NDArray batchNorm(ParameterStore ps, NDArray v, NDArray weight, int[] axes, Parameter[] p, boolean training) {
        NDArray gamma = ps.getValue(p[0], v.getDevice(), training);
        NDArray beta = ps.getValue(p[1], v.getDevice(), training);
        NDArray runningMean = ps.getValue(p[2], v.getDevice(), training);
        NDArray runningVar = ps.getValue(p[3], v.getDevice(), training);
        if (training) {
            NDArray count = weight == null ? v.getManager().create((float) (v.getShape().size() / v.getShape().get(v.getShape().dimension() - 1)))
                    : weight.sum();
            NDArray wv = weight == null ? v : v.mul(weight);
            NDArray mean = wv.sum(axes).div(count);                                   // [C]
            NDArray centred = v.sub(mean);
            NDArray sq = weight == null ? centred.square() : centred.mul(weight).mul(centred);
            NDArray var = sq.sum(axes).div(count);                                    // [C]
            // running statistics, out of the autograd graph
            float n = count.toFloatArray()[0];
            NDArray unbiased = var.stopGradient().mul(n / Math.max(1f, n - 1));
            runningMean.muli(1 - MOMENTUM).addi(mean.stopGradient().mul(MOMENTUM));
            runningVar.muli(1 - MOMENTUM).addi(unbiased.mul(MOMENTUM));
            NDArray a = local(gamma.div(var.add(eps).sqrt()), v);                     // [C]
            return centred.mul(a).add(beta);
        }
        NDArray a = local(gamma.div(local(runningVar.add(eps), v).sqrt()), v);       // [C]
        NDArray c = local(beta.sub(local(runningMean.mul(a), v)), v);                // [C]
        return v.mul(a).add(c);
    }

    /**
     * LayerNorm of each of {@code parts} equal parts of the last axis of {@code v} on its own ([..., parts·F] seen as
     * [..., parts, F]: the two gate halves of a message, or the one part of the summed messages), with the part's mean
     * and biased variance, then gamma and beta [parts·F]. Each slot's statistics are its own, so masked slots and the
     * batch's other sites never enter them; the running statistics are left as they are.
     */
    private NDArray layerNorm(ParameterStore ps, NDArray v, int parts, Parameter[] p, boolean training) {
        NDArray gamma = ps.getValue(p[0], v.getDevice(), training);
        NDArray beta = ps.getValue(p[1], v.getDevice(), training);
        Shape shape = v.getShape();
        int last = shape.dimension() - 1;
        long width = shape.get(last) / parts;
        long[] split = new long[shape.dimension() + 1];
        for (int d = 0; d < last; d++) {
            split[d] = shape.get(d);
        }
        split[last] = parts;
        split[last + 1] = width;
        NDArray u = v.reshape(new Shape(split));                               // [..., parts, F]
        NDArray centred = u.sub(u.mean(new int[] {last + 1}, true));
        NDArray var = centred.square().mean(new int[] {last + 1}, true);        // [..., parts, 1]
        NDArray normed = centred.div(var.add(eps).sqrt()).reshape(shape);      // [..., parts·F]
        return normed.mul(gamma).add(beta);
    }

    /** {@code a}, moved into {@code like}'s manager (the batch's), so that it is closed with the batch. */
    static NDArray local(NDArray a, NDArray like) {
        if (a.getManager() != like.getManager()) {
            a.attach(like.getManager());
        }
        return a;
    }
}
