package org.persite.server;

import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.inference.Batcher;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.model.LoadedModel;

/**
 * One model version being served: its card, its ONNX Runtime session, the batcher in front of it and the
 * graph builder for its featurizer settings.
 *
 * @param availableVersions every version folder present for this model, ascending
 */
public record ServedModel(LoadedModel model, OnnxInferenceEngine engine, ActorRef<Batcher.Command> batcher,
        CrystalGraphBuilder graphBuilder, List<Integer> availableVersions) {

    public String name() {
        return model.spec().name();
    }

    public int version() {
        return model.spec().version();
    }
}
