package org.persite.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * What this build is: persite's version, the git commit it was built from (and whether the tree had uncommitted
 * changes), and the ONNX Runtime, DJL and Pekko versions it was built against. From {@code org/persite/build.properties}
 * (Maven resource filtering) and {@code org/persite/git.properties} (git-commit-id-maven-plugin); "unknown" for what
 * a build did not record (a build outside a git checkout has no commit).
 */
public record BuildInfo(String version, String commit, boolean dirty, String commitTime, String onnxRuntime, String djl, String pekko) {
    private static final BuildInfo CURRENT = read();

    /** This build's. */
    public static BuildInfo current() {
        return CURRENT;
    }

    private static BuildInfo read() {
        Properties b = load("/org/persite/build.properties");
        Properties g = load("/org/persite/git.properties");
        return new BuildInfo(b.getProperty("version", "unknown"), g.getProperty("git.commit.id.abbrev", "unknown"),
                Boolean.parseBoolean(g.getProperty("git.dirty", "false")), g.getProperty("git.commit.time", "unknown"),
                b.getProperty("onnxruntime", "unknown"), b.getProperty("djl", "unknown"), b.getProperty("pekko", "unknown"));
    }

    private static Properties load(String resource) {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(resource)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // an unreadable resource is a build without that record
        }
        return p;
    }

    /** The commit, with "-dirty" when the tree had uncommitted changes. */
    public String commitLabel() {
        return dirty ? commit + "-dirty" : commit;
    }
}
