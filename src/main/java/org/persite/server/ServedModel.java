package org.persite.server;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;
import org.persite.graph.CrystalGraphBuilder;
import org.persite.inference.Batcher;
import org.persite.inference.OnnxInferenceEngine;
import org.persite.model.LoadedModel;

/**
 * One model version being served: its card, its ONNX Runtime session, the batcher in front of it and the
 * graph builder for its featurizer settings.
 *
 * <p>Requests hold it from start to finish ({@link #tryAcquire()}, {@link #release()}), so a hot swap never
 * pulls a session from under a request: a retired version closes (batcher stopped, session closed) only when
 * its last request has been answered.
 */
public final class ServedModel {
    private final LoadedModel model;
    private final OnnxInferenceEngine engine;
    private final ActorRef<Batcher.Command> batcher;
    private final CrystalGraphBuilder graphBuilder;
    private final AtomicInteger users = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean retired;
    private final String gateReport;

    ServedModel(LoadedModel model, OnnxInferenceEngine engine, ActorRef<Batcher.Command> batcher, String gateReport) {
        this.gateReport = gateReport;
        this.model = model;
        this.engine = engine;
        this.batcher = batcher;
        this.graphBuilder = new CrystalGraphBuilder(model.spec().featurizer());
    }

    /** How this version passed the activation gate (or that the gate was forced or skipped). */
    public String gateReport() {
        return gateReport;
    }

    public LoadedModel model() {
        return model;
    }

    public OnnxInferenceEngine engine() {
        return engine;
    }

    public ActorRef<Batcher.Command> batcher() {
        return batcher;
    }

    public CrystalGraphBuilder graphBuilder() {
        return graphBuilder;
    }

    public String name() {
        return model.spec().name();
    }

    public int version() {
        return model.spec().version();
    }

    /** Takes a hold for one request; false when this version was retired meanwhile (resolve again). */
    boolean tryAcquire() {
        users.incrementAndGet();
        if (retired) {
            release();
            return false;
        }
        return true;
    }

    /** Gives a hold back; the last one of a retired version closes it. */
    void release() {
        if (users.decrementAndGet() == 0 && retired) {
            close();
        }
    }

    /** No new request may take this version; it closes when the requests holding it are done. */
    void retire() {
        retired = true;
        if (users.get() == 0) {
            close();
        }
    }

    /** Requests holding this version now. */
    int users() {
        return users.get();
    }

    /** Stops the batcher and closes the session, once. */
    void close() {
        if (closed.compareAndSet(false, true)) {
            batcher.tell(Batcher.Stop.INSTANCE);
            engine.close();
        }
    }

    boolean isClosed() {
        return closed.get();
    }
}
