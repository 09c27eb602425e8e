package org.persite.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.persite.config.PersiteConfig;
import org.persite.graph.CellListOverlapFinder;
import org.persite.graph.ElementTable;
import org.persite.structure.StructureReader;
import org.persite.train.TrainingJob;
import org.persite.train.TrainingProcess;
import org.persite.train.TrustHeadSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code persite train-worker --request FILE}: the child side of {@link TrainingProcess}, started by the server's
 * trainer; not for people. Progress goes to standard output as protocol lines, logs to standard error.
 */
@Command(name = "train-worker", hidden = true, description = "Run one training request in this process (started by the server).")
final class TrainWorkerCommand implements Callable<Integer> {
    @Option(names = "--request", required = true, paramLabel = "FILE", description = "The request (JSON) written by the parent.")
    Path request;

    @Override
    public Integer call() throws Exception {
        TrainingProcess.Request r = new ObjectMapper().readValue(request.toFile(), TrainingProcess.Request.class);
        Config config = r.configHocon() == null ? ConfigFactory.load()
                : ConfigFactory.parseString(r.configHocon()).atPath("persite").withFallback(ConfigFactory.load());
        PersiteConfig pc = new PersiteConfig(config);
        ElementTable table = ElementTable.cgcnn();
        StructureReader reader = new StructureReader(pc.structureLimits(table), CellListOverlapFinder.INSTANCE);
        // the trust head's settings come with the parent's configuration, not in the job file
        TrustHeadSettings trustHead = pc.trustHeadSettings();
        TrainingJob.Runner runner = (job, listener, checkpointing, cancelled) -> TrainingJob.run(job.withTrustHead(trustHead),
                pc.featurizerSettings(table), table, reader, listener, cancelled, checkpointing);
        return TrainingProcess.serve(r, runner, System.out);
    }
}
