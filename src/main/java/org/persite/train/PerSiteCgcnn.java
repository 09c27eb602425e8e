package org.persite.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import org.persite.model.CgcnnHyperparameters;
import org.persite.model.CgcnnWeights;

/**
 * The per-site CGCNN as a DJL block (GUIDE §1): embedding, n_conv {@link GatedConvolution}s, and a per-site
 * head with P outputs, predicting normalised targets.
 *
 * <p>Inputs (N atoms, M slots, A element features, G Gaussians): atom_features [N, A] (element table rows),
 * nbr_index int64 [N, M], nbr_distance [N, M] in Å, nbr_mask [N, M], species int64 [N] (atomic numbers, read only by
 * the per-element output affine and the bond-valence channels), structure int64 [N] (each atom's crystal in the batch,
 * 0 .. C - 1, read only by the crystal context). Output: [N, P]. With {@link CgcnnHyperparameters#crystalContext()}, the
 * head's input is {@code [h_i; the crystal's mean of h]} [N, 2F].
 * The Gaussian expansion {@code exp(-(d - mu_k)^2 / var^2)} is computed inside. With
 * {@link CgcnnHyperparameters#elementAffine()}, the output is {@code (W h + b) · scale[Z] + shift[Z]}, the two
 * [{@value #ELEMENT_ROWS}, P] tables learned with the rest. With {@link CgcnnHyperparameters#bondValenceChannels()} K &gt; 0,
 * the embedding gains {@code W_bv log(1 + V_i) + b_bv}, V [N, K] the learned bond-valence sums
 * ({@link CgcnnWeights.BondValence}) from a [{@value #ELEMENT_ROWS}, K] radius table learned with the rest. With
 * {@link CgcnnHyperparameters#stateBins()} S &gt; 0, the output layer gives [N, 2 S P] and the output is the median bin's
 * value ({@link CgcnnWeights.StateBins}); in training the block also returns the logits and the bins' values
 * [N, P, S], for the trainer's loss.
 */
public final class PerSiteCgcnn extends AbstractBlock {
    /** Rows of the per-element tables: Z = 0 (padding) to 118. */
    static final int ELEMENT_ROWS = 119;
    static final String ELEMENT_SCALE = "element_scale";
    static final String ELEMENT_SHIFT = "element_shift";
    static final String BOND_VALENCE_RADIUS = "bond_valence_radius";
    private final CgcnnHyperparameters hp;
    private final int elementFeatures;
    private final float[] centers;
    private final float gaussianVar;
    private final int properties;
    private final Linear embedding;
    private final List<GatedConvolution> convolutions = new ArrayList<>();
    private final List<Linear> hidden = new ArrayList<>();
    private final Linear out;
    private final Parameter elementScale;   // [ELEMENT_ROWS, P], or null
    private final Parameter elementShift;   // [ELEMENT_ROWS, P], or null
    private final Parameter bondValenceRadius;   // [ELEMENT_ROWS, K], or null
    private final Linear bondValenceProjection;  // K → F, or null
    private final float[] stateCentres;          // [P, S] normalised, or null

    private PerSiteCgcnn(Builder b) {
        super((byte) 1);
        this.hp = b.hp;
        this.elementFeatures = b.elementFeatures;
        this.centers = b.centers;
        this.gaussianVar = b.gaussianVar;
        this.properties = b.properties;
        this.stateCentres = b.stateCentres;
        if ((hp.stateBins() > 0) != (stateCentres != null) || stateCentres != null && stateCentres.length != properties * hp.stateBins()) {
            throw new IllegalArgumentException("a state head of S = " + hp.stateBins() + " bins needs [P, S] = [" + properties + ", " + hp.stateBins()
                    + "] bin centres (optStateCentres), and only it");
        }
        embedding = addChildBlock("embedding", Linear.builder().setUnits(hp.atomFeatures()).build());
        for (int l = 0; l < hp.convLayers(); l++) {
            convolutions.add(addChildBlock("conv" + l, new GatedConvolution(hp.atomFeatures(), centers.length, b.batchNormEps, hp.activation(), hp.layerNorm())));
        }
        for (int h = 0; h < hp.hiddenLayers(); h++) {
            hidden.add(addChildBlock("hidden" + h, Linear.builder().setUnits(hp.hiddenWidth()).build()));
        }
        out = addChildBlock("out", Linear.builder().setUnits(hp.outputUnits(properties)).build());
        if (hp.elementAffine()) {
            elementScale = addParameter(Parameter.builder().setName(ELEMENT_SCALE).setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(ELEMENT_ROWS, properties)).optInitializer(new ConstantInitializer(1f)).build());
            elementShift = addParameter(Parameter.builder().setName(ELEMENT_SHIFT).setType(Parameter.Type.BIAS)
                    .optShape(new Shape(ELEMENT_ROWS, properties)).optInitializer(new ConstantInitializer(0f)).build());
        } else {
            elementScale = null;
            elementShift = null;
        }
        if (hp.bondValenceChannels() > 0) {
            bondValenceRadius = addParameter(Parameter.builder().setName(BOND_VALENCE_RADIUS).setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(ELEMENT_ROWS, hp.bondValenceChannels()))
                    .optInitializer((manager, shape, type) -> manager.create(initialBondValenceRadii(hp.bondValenceChannels()), shape).toType(type, false))
                    .build());
            bondValenceProjection = addChildBlock("bond_valence", Linear.builder().setUnits(hp.atomFeatures()).build());
        } else {
            bondValenceRadius = null;
            bondValenceProjection = null;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder: {@code set*} for what is required, {@code opt*} for what has a reference default. */
    public static final class Builder {
        private CgcnnHyperparameters hp = CgcnnHyperparameters.reference();
        private int elementFeatures = -1;
        private float[] centers;
        private float gaussianVar = -1;
        private int properties = -1;
        private float batchNormEps = 1e-5f;
        private float[] stateCentres;

        /** A, the element feature length (92 for the CGCNN table). */
        public Builder setElementFeatures(int a) {
            this.elementFeatures = a;
            return this;
        }

        /** The Gaussian centres mu_k in Å and the width var. */
        public Builder setGaussians(float[] centers, float var) {
            this.centers = centers.clone();
            this.gaussianVar = var;
            return this;
        }

        /** P, the per-site outputs. */
        public Builder setProperties(int p) {
            this.properties = p;
            return this;
        }

        /** F, n_conv, H, n_h; default the reference values. */
        public Builder optHyperparameters(CgcnnHyperparameters h) {
            this.hp = h;
            return this;
        }

        public Builder optBatchNormEps(float e) {
            this.batchNormEps = e;
            return this;
        }

        /** The state head's bin centres [P, S] row-major, normalised (required with state bins, refused without). */
        public Builder optStateCentres(float[] centres) {
            this.stateCentres = centres == null ? null : centres.clone();
            return this;
        }

        public PerSiteCgcnn build() {
            if (elementFeatures < 1 || centers == null || centers.length == 0 || !(gaussianVar > 0) || properties < 1) {
                throw new IllegalArgumentException("set element features, Gaussians and properties before build()");
            }
            return new PerSiteCgcnn(this);
        }
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        int f = hp.atomFeatures();
        embedding.initialize(manager, dataType, new Shape(-1, elementFeatures));
        if (bondValenceProjection != null) {
            bondValenceProjection.initialize(manager, dataType, new Shape(-1, hp.bondValenceChannels()));
        }
        for (GatedConvolution c : convolutions) {
            c.initialize(manager, dataType, new Shape(-1, f), new Shape(-1, -1), new Shape(-1, -1, centers.length), new Shape(-1, -1));
        }
        int width = hp.headInput();
        for (Linear h : hidden) {
            h.initialize(manager, dataType, new Shape(-1, width));
            width = hp.hiddenWidth();
        }
        out.initialize(manager, dataType, new Shape(-1, width));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), properties)};
    }

    CgcnnHyperparameters hyperparameters() {
        return hp;
    }

    Linear embedding() {
        return embedding;
    }

    List<GatedConvolution> convolutions() {
        return convolutions;
    }

    List<Linear> hiddenLayers() {
        return hidden;
    }

    Linear output() {
        return out;
    }

    /** The per-element scale and shift tables [ELEMENT_ROWS, P], or null without the affine. */
    Parameter elementScale() {
        return elementScale;
    }

    Parameter elementShift() {
        return elementShift;
    }

    /** The bond-valence radii [ELEMENT_ROWS, K] and their projection K → F, or null without bond-valence channels. */
    Parameter bondValenceRadius() {
        return bondValenceRadius;
    }

    Linear bondValenceProjection() {
        return bondValenceProjection;
    }

    /** The state head's bin centres [P, S] (a copy), or null without one. */
    float[] stateCentres() {
        return stateCentres == null ? null : stateCentres.clone();
    }

    /**
     * The radii a run starts from, [ELEMENT_ROWS, K] row-major: the same for every element, spread over the channels from
     * 0.75 to 1.05 Å (R0 = r_i + r_j from 1.5 to 2.1 Å, where most cation-anion R0 lie), so the channels start apart.
     */
    static float[] initialBondValenceRadii(int channels) {
        float[] r = new float[ELEMENT_ROWS * channels];
        for (int z = 0; z < ELEMENT_ROWS; z++) {
            for (int k = 0; k < channels; k++) {
                r[z * channels + k] = channels == 1 ? 0.9f : 0.75f + 0.3f * k / (channels - 1);
            }
        }
        return r;
    }

    /**
     * Each atom's crystal mean of h [N, F], from structure int64 [N] (0 .. C - 1): a one-hot [N, C] sums the rows per
     * crystal ([C, F]), divided by the crystals' atom counts and spread back to the atoms, with gradients into every site.
     */
    static NDArray crystalMean(NDArray h, NDArray structure) {
        int crystals = (int) structure.max().getLong() + 1;
        NDArray oneHot = structure.oneHot(crystals).toType(DataType.FLOAT32, false);        // [N, C]
        NDArray counts = oneHot.sum(new int[] {0}).expandDims(1);                           // [C, 1]
        NDArray means = oneHot.transpose().matMul(h).div(counts);                           // [C, F]
        return oneHot.matMul(means);                                                        // [N, F]
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray atoms = inputs.get(0);      // [N, A]
        NDArray index = inputs.get(1);      // [N, M]
        NDArray distance = inputs.get(2);   // [N, M]
        NDArray mask = inputs.get(3);       // [N, M]
        NDArray mu = atoms.getManager().create(centers);                                        // [G]
        NDArray e = distance.expandDims(2).sub(mu).square().div(-gaussianVar * gaussianVar).exp(); // [N, M, G]
        NDArray x = embedding.forward(ps, new NDList(atoms), training).singletonOrThrow();        // [N, F]
        NDArray oneHot = elementScale == null && bondValenceRadius == null ? null
                : inputs.get(4).oneHot(ELEMENT_ROWS).toType(DataType.FLOAT32, false);                          // [N, Z]
        if (bondValenceRadius != null) {
            // V_ik = Σ_j mask_ij exp(clamp((r[Z_i, k] + r[Z_j, k] - d_ij) / b)); x_i += W_bv log(1 + V_i) + b_bv
            NDArray ri = oneHot.matMul(ps.getValue(bondValenceRadius, x.getDevice(), training));                // [N, K]
            NDArray rj = ri.getNDArrayInternal().embedding(index, ri, ai.djl.ndarray.types.SparseFormat.DENSE).singletonOrThrow(); // [N, M, K]
            NDArray exponent = ri.expandDims(1).add(rj).sub(distance.expandDims(2)).div((float) CgcnnWeights.BondValence.B)
                    .clip(CgcnnWeights.BondValence.MIN_EXPONENT, CgcnnWeights.BondValence.MAX_EXPONENT);       // [N, M, K]
            NDArray sums = exponent.exp().mul(mask.expandDims(2)).sum(new int[] {1});                           // [N, K]
            x = x.add(bondValenceProjection.forward(ps, new NDList(sums.add(1f).log()), training).singletonOrThrow()); // [N, F]
        }
        // most batches have every slot real (M = 12 nearest within 8 Å): decided once here, not in each convolution
        boolean allReal = mask.sum().getFloat() == mask.getShape().size();
        for (GatedConvolution c : convolutions) {
            NDList in = allReal ? new NDList(x, index, e) : new NDList(x, index, e, mask);
            x = c.forward(ps, in, training).singletonOrThrow();
        }
        NDArray h = GatedConvolution.activate(hp.activation(), x);                                  // [N, F]
        if (hp.crystalContext()) {
            h = h.concat(crystalMean(h, inputs.get(5)), 1);                                          // [N, 2F]
        }
        for (Linear l : hidden) {
            h = GatedConvolution.activate(hp.activation(), l.forward(ps, new NDList(h), training).singletonOrThrow());
        }
        NDArray y = out.forward(ps, new NDList(h), training).singletonOrThrow();                  // [N, P], or [N, 2SP] with a state head
        if (stateCentres != null) {
            int s = hp.stateBins();
            NDArray raw = y.reshape(-1, properties, 2L * s);                                                  // [N, P, 2S]
            NDArray logits = raw.get(":, :, 0:" + s);                                                         // [N, P, S]
            NDArray values = raw.get(":, :, " + s + ":").add(y.getManager().create(stateCentres, new Shape(properties, s))); // [N, P, S]
            // the median bin: the first whose cumulative probability reaches 1/2 (argMax returns the first maximum)
            NDArray bin = logits.softmax(2).cumSum(2).gte(0.5f).toType(DataType.FLOAT32, false).argMax(2);      // [N, P]
            NDArray readout = values.mul(bin.oneHot(s).toType(DataType.FLOAT32, false)).sum(new int[] {2});   // [N, P]
            return training ? new NDList(readout, logits, values) : new NDList(readout);
        }
        if (elementScale != null) {
            // a one-hot [N, Z] times the tables [Z, P] gathers each atom's row, with gradients into the tables
            NDArray scale = oneHot.matMul(ps.getValue(elementScale, y.getDevice(), training));            // [N, P]
            NDArray shift = oneHot.matMul(ps.getValue(elementShift, y.getDevice(), training));            // [N, P]
            y = y.mul(scale).add(shift);
        }
        return new NDList(y); // [N, P]
    }
}
