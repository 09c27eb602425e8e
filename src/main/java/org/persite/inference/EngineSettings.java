package org.persite.inference;

import com.typesafe.config.Config;

/**
 * How ONNX Runtime sessions are opened, from {@code persite.inference} (see reference.conf).
 *
 * @param device cpu, cuda or auto
 * @param requireGpu with cuda: fail instead of falling back to the CPU
 * @param intraOpThreads threads per operator, 0 = one per core
 * @param warmUp run every bucket shape once before serving
 */
public record EngineSettings(Device device, boolean requireGpu, int intraOpThreads, boolean warmUp) {

    public static EngineSettings fromConfig(Config c) {
        return new EngineSettings(Device.parse(c.getString("device")), c.getBoolean("require-gpu"), c.getInt("intra-op-threads"),
                c.getBoolean("warm-up"));
    }
}
