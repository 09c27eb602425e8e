package org.persite.server;

import org.persite.model.ModelLoadException;

/**
 * How a version is made the served one: on this node alone (its {@link ModelRegistry}), or on every node of a
 * cluster at once. The Admin API, the trainer and polling all go through it.
 */
public interface ModelActivation {

    /** Serves {@code name} v{@code version} (through the gate unless {@code force}); the old version serves until then. */
    ServedModel activate(String name, int version, boolean force) throws ModelLoadException;

    /** Goes back to the version active before the current one. */
    ServedModel rollback(String name) throws ModelLoadException, ModelRegistry.UnknownModelException;

    /** This node's registry. */
    static ModelActivation local(ModelRegistry registry) {
        return new ModelActivation() {
            @Override
            public ServedModel activate(String name, int version, boolean force) throws ModelLoadException {
                return registry.activate(name, version, force);
            }

            @Override
            public ServedModel rollback(String name) throws ModelLoadException, ModelRegistry.UnknownModelException {
                return registry.rollback(name);
            }
        };
    }
}
