package org.persite.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.persite.config.HostPort;

/** persite.cluster as a user writes it (the reference.conf defaults, environment-style strings) and the Pekko settings it becomes. */
class ClusterSettingsTest {
    private static Config section(String overrides) {
        return ConfigFactory.parseString(overrides).withFallback(ConfigFactory.defaultReference()).resolve().getConfig("persite");
    }

    private static ClusterSettings settings(String overrides) {
        Config s = section(overrides);
        return ClusterSettings.fromConfig(s.getConfig("cluster"), s.getString("server.host"));
    }

    @Test
    void offByDefault() {
        ClusterSettings s = settings("");
        assertFalse(s.enabled());
        assertEquals(Set.of("front", "worker"), s.roles());
        assertTrue(new ClusterNode().pekkoConfig(section("")).isEmpty(), "a single node gets no cluster settings");
    }

    @Test
    void seedsRolesAndAddressBecomeTheClusterSettings() {
        ClusterSettings s = settings("persite.cluster { seeds = \" 127.0.0.1:25520, 127.0.0.1:25521 \", port = 25522, roles = \"Worker\" }\n"
                + "persite.server.host = \"10.0.0.7\"");
        assertTrue(s.enabled());
        assertEquals(List.of(new HostPort("127.0.0.1", 25520), new HostPort("127.0.0.1", 25521)), s.seeds());
        assertEquals("10.0.0.7", s.host(), "an empty cluster host is persite.server.host");
        assertTrue(s.worker());
        assertFalse(s.front());
        Config p = s.pekkoConfig();
        assertEquals("cluster", p.getString("pekko.actor.provider"));
        assertEquals("10.0.0.7", p.getString("pekko.remote.artery.canonical.hostname"));
        assertEquals(25522, p.getInt("pekko.remote.artery.canonical.port"));
        assertEquals(List.of("pekko://persite@127.0.0.1:25520", "pekko://persite@127.0.0.1:25521"), p.getStringList("pekko.cluster.seed-nodes"));
        assertEquals(List.of("worker"), p.getStringList("pekko.cluster.roles"));
        assertEquals("keep-majority", p.getString("pekko.cluster.split-brain-resolver.active-strategy"));
        assertEquals("org.apache.pekko.cluster.sbr.SplitBrainResolverProvider", p.getString("pekko.cluster.downing-provider-class"));
    }

    @Test
    void badValuesAreRefusedNamingTheKey() {
        IllegalArgumentException roles = assertThrows(IllegalArgumentException.class,
                () -> settings("persite.cluster { seeds = \"127.0.0.1:25520\", roles = \"front,cook\" }"));
        assertTrue(roles.getMessage().contains("persite.cluster.roles"), roles.getMessage());
        IllegalArgumentException seeds = assertThrows(IllegalArgumentException.class, () -> settings("persite.cluster.seeds = \"127.0.0.1\""));
        assertTrue(seeds.getMessage().contains("PERSITE_CLUSTER_SEEDS"), seeds.getMessage());
        assertThrows(IllegalArgumentException.class, () -> settings("persite.cluster { seeds = \"h:1\", worker-slots = 0 }"));
    }

    @Test
    void aServerWithoutClusterSupportRefusesSeedsRatherThanRunningAlone() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> org.persite.server.ScaleOut.SINGLE.pekkoConfig(section("persite.cluster.seeds = \"127.0.0.1:25520\"")));
        assertTrue(e.getMessage().contains("PERSITE_CLUSTER_SEEDS"), e.getMessage());
    }
}
