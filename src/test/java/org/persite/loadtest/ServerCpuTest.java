package org.persite.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-phase CPU breakdown, on hand-computed counter readings. */
class ServerCpuTest {
    @Test
    void perAtomShareOfEachStageAndTheRest() {
        ServerCpu.Snapshot before = new ServerCpu.Snapshot(10.0, 1000, Map.of("parse", 1.0, "graph", 2.0, "inference", 3.0, "respond", 0.5));
        // 1,000,000 more atoms and 100 more CPU seconds: 100 µs per atom, of which parse 5, graph 10, inference 60, respond 5
        ServerCpu.Snapshot after = new ServerCpu.Snapshot(110.0, 1_001_000, Map.of("parse", 6.0, "graph", 12.0, "inference", 63.0, "respond", 5.5));
        ServerCpu.Breakdown b = ServerCpu.between(before, after);
        assertEquals(100.0, b.totalUsPerAtom(), 1e-9);
        assertEquals(5.0, b.stages().get("parse"), 1e-9);
        assertEquals(10.0, b.stages().get("graph"), 1e-9);
        assertEquals(60.0, b.stages().get("inference"), 1e-9);
        assertEquals(5.0, b.stages().get("respond"), 1e-9);
        assertEquals(20.0, b.stages().get("other"), 1e-9);
        assertNull(ServerCpu.between(after, after), "no atoms predicted: no breakdown");
    }
}
