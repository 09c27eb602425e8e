package org.persite.inference;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.persite.TestVectors;
import org.persite.structure.Format;
import org.persite.structure.ParseResult;

/**
 * At steady load (the queue always holds more than a batch), the default batching settings fill batches
 * with at least 90% real atoms on Materials Project-sized structures. A count, not a timing.
 */
class PaddingEfficiencyTest {

    @Test
    void defaultSettingsPackAtLeastNinetyPercentRealAtomsAtSteadyLoad() {
        BatcherSettings s = BatcherSettings.fromConfig(ConfigFactory.defaultReference().getConfig("persite.inference"));
        List<ParseResult> sample = TestVectors.READER.readFile(TestVectors.data("mp_magmom_tmo/sample_500/sample_500.jsonl"), Format.JSONL);
        BatchQueue<Integer> queue = new BatchQueue<>(Long.MAX_VALUE);
        for (int round = 0; round < 4; round++) {
            for (ParseResult r : sample) {
                queue.offer(0, ((ParseResult.Parsed) r).value().structure().size(), 0);
            }
        }
        long real = 0;
        long padded = 0;
        while (queue.queuedAtoms() >= s.maxBatchAtoms()) { // steady load: a full batch is always waiting
            int atoms = queue.takeBatch(s.maxBatchAtoms()).stream().mapToInt(BatchQueue.Entry::atoms).sum();
            real += atoms;
            padded += s.buckets().paddedSize(atoms);
        }
        double efficiency = (double) real / padded;
        assertTrue(efficiency >= 0.9, "padding efficiency " + efficiency);
        System.out.printf("padding efficiency at steady load (max-batch-atoms %d): %.4f%n", s.maxBatchAtoms(), efficiency);
    }
}
