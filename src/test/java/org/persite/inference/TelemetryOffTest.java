package org.persite.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * ONNX Runtime's telemetry is off in every way persite starts a JVM: the build's test JVMs, and each launcher
 * script sets {@code ORT_DISABLE_TELEMETRY=1} before it starts Java. (The real launcher is run in LauncherIT.)
 */
class TelemetryOffTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Pattern JAVA = Pattern.compile("(^|[\\s(;&])(exec\\s+)?(java|mvn)\\s");
    private static final String EXPORT = "export ORT_DISABLE_TELEMETRY=1";

    @Test
    void theBuildSetsTheVariableForThisJvm() {
        assertEquals("1", System.getenv("ORT_DISABLE_TELEMETRY"), "the Surefire configuration in pom.xml sets it");
        assertEquals(OrtTelemetry.State.OFF_FROM_ENVIRONMENT, OrtTelemetry.ensureOff());
        assertNull(OrtTelemetry.warning(), "no warning when the environment already has it");
    }

    @Test
    void surefireAndFailsafeBothSetIt() throws Exception {
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        for (String plugin : List.of("maven-surefire-plugin", "maven-failsafe-plugin")) {
            int at = pom.indexOf("<artifactId>" + plugin + "</artifactId>");
            assertTrue(at >= 0, plugin + " is configured");
            String config = pom.substring(at, pom.indexOf("</plugin>", at));
            assertTrue(config.contains("<ORT_DISABLE_TELEMETRY>1</ORT_DISABLE_TELEMETRY>"), plugin + " environmentVariables");
        }
    }

    @Test
    void everyLauncherExportsItBeforeItStartsJava() throws Exception {
        for (String script : List.of("bin/persite", "bin/bench", "load-tests/run", "bench/reference-cgcnn/run.sh")) {
            List<String> lines = Files.readAllLines(ROOT.resolve(script));
            int export = -1;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.equals(EXPORT)) {
                    export = i;
                    break;
                }
                if (line.startsWith("#")) {
                    continue;
                }
                assertTrue(!JAVA.matcher(line).find() && !line.contains("bin/persite\""),
                        script + " line " + (i + 1) + " starts a JVM before it exports ORT_DISABLE_TELEMETRY=1: " + line);
            }
            assertTrue(export >= 0, script + " has the line '" + EXPORT + "'");
        }
    }
}
