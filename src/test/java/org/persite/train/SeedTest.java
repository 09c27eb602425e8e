package org.persite.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.persite.graph.ElementTable;
import org.persite.graph.FeaturizerSettings;
import org.persite.model.CgcnnHyperparameters;
import org.persite.model.CgcnnWeights;

/** The same seed gives the same initial weights; another seed gives others. */
class SeedTest {

    static CgcnnWeights initial(long seed) {
        TrainingConfig c = new TrainingConfig(new CgcnnHyperparameters(16, 2, 8, 1), 1, 1, 0.01f, TrainingConfig.OptimizerKind.ADAM,
                TrainingConfig.LossKind.L1, seed);
        CgcnnTrainer t = new CgcnnTrainer(FeaturizerSettings.reference(), ElementTable.cgcnn());
        PerSiteCgcnn block = t.block(c);
        Engine.getEngine("PyTorch").setRandomSeed((int) seed);
        try (Model m = Model.newInstance("seed", "PyTorch")) {
            m.setBlock(block);
            block.initialize(m.getNDManager(), DataType.FLOAT32, new Shape(1, 92), new Shape(1, 12), new Shape(1, 12), new Shape(1, 12));
            return CgcnnTrainer.export(block);
        }
    }

    @Test
    void sameSeedSameInitialWeights() {
        CgcnnWeights a = initial(3);
        CgcnnWeights b = initial(3);
        CgcnnWeights c = initial(4);
        assertArrayEquals(a.embedding().weight(), b.embedding().weight());
        assertArrayEquals(a.conv().get(1).full().weight(), b.conv().get(1).full().weight());
        assertArrayEquals(a.out().weight(), b.out().weight());
        assertFalse(Arrays.equals(a.embedding().weight(), c.embedding().weight()));
    }
}
