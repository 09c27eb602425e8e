package org.persite.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestVectors;

/** One consistent command line (issue 17): option names, case, model names, folders, help, version, completion, ETA. */
class CliConsistencyTest {
    @TempDir
    Path tmp;

    private static PersiteCliTest.Run run(String... args) {
        return PersiteCliTest.run(args);
    }

    @Test
    void inputFormatIsNamedAlikeEverywhereAndEnumsTakeAnyCase() {
        String nacl = "data/examples/NaCl-cod-1000041.cif";
        assertEquals(0, run("parse", "--input-format", "cif", nacl).code());
        assertEquals(0, run("parse", "--format", "Cif", nacl).code(), "the old name still works");
        assertEquals(0, run("graph", "--input-format", "CIF", nacl).code());
        PersiteCliTest.Run p = run("predict", "--input-format", "cif", "--output-format", "JSON", nacl);
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().startsWith("{\"structure\""), p.out());
    }

    @Test
    void predictTakesAModelNameAndMaxAtomsInProcess() {
        PersiteCliTest.Run byName = run("predict", "--model", "magmom-ensemble", "data/examples/NaCl-cod-1000041.cif");
        assertEquals(0, byName.code(), byName.err());
        assertTrue(byName.out().contains("magmom_std") && byName.out().contains("magmom-ensemble/"), byName.out());
        PersiteCliTest.Run tooBig = run("predict", "--max-atoms", "4", "data/examples/NaCl-cod-1000041.cif");
        assertEquals(1, tooBig.code());
        assertTrue(tooBig.err().contains("more than the limit of 4 per structure"), tooBig.err());
    }

    @Test
    void aFolderSkipsFilesThatAreNotStructuresWithANote() throws Exception {
        Path dir = tmp.resolve("run");
        Files.createDirectories(dir);
        Files.copy(Path.of("data/examples/NaCl-cod-1000041.cif"), dir.resolve("NaCl.cif"));
        Files.writeString(dir.resolve("notes.txt"), "calculations to do\n");
        Files.writeString(dir.resolve("targets.csv"), "structure,site,magmom\n");
        PersiteCliTest.Run r = run("predict", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("note: skipping " + dir.resolve("notes.txt") + ": not a structure file"), r.err());
        assertTrue(r.err().contains("targets.csv: not a structure file"), r.err());
        assertFalse(r.err().contains("error:"), r.err());
    }

    @Test
    void structuresOutputIsOneObjectPerStructureWithUnits() throws Exception {
        PersiteCliTest.Run r = run("predict", "--output-format", "structures", "data/examples/NaCl-cod-1000041.cif", "data/examples/POSCAR-KCl-cod-1000050");
        assertEquals(0, r.code(), r.err());
        List<JsonNode> lines = r.jsonLines();
        assertEquals(2, lines.size(), r.out());
        assertEquals("μB", lines.get(0).path("units").path("magmom").asText());
        assertEquals(8, lines.get(0).path("sites").size());
        assertEquals("Na", lines.get(0).path("sites").get(0).path("element").asText());
        assertTrue(lines.get(1).path("structure").asText().contains("KCl"), r.out());
    }

    /**
     * Picocli formats every help text with {@code String.format}, so a lone '%' ("the 90% quantile") makes it print a
     * warning on stderr, from its own tracer, at every {@code --help}. The usage of every command is rendered in a
     * fresh JVM ({@link #main}), where that tracer writes to the stderr read here.
     */
    @Test
    void everyHelpTextRendersWithoutAPicocliWarning() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
                CliConsistencyTest.class.getName()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        assertTrue(err.contains("rendered the usage of"), err);
        assertFalse(err.contains("WARN"), err);
    }

    /** Renders the usage of every command and subcommand, and says how many on stderr. */
    public static void main(String[] args) {
        java.util.Deque<picocli.CommandLine> commands = new java.util.ArrayDeque<>(List.of(PersiteCli.commandLine()));
        int n = 0;
        while (!commands.isEmpty()) {
            picocli.CommandLine c = commands.pop();
            commands.addAll(c.getSubcommands().values());
            System.out.println(c.getUsageMessage(picocli.CommandLine.Help.Ansi.OFF));
            n++;
        }
        System.err.println("rendered the usage of " + n + " commands");
    }

    @Test
    void helpSummariesAreWholeSentencesAndPositionalsAreDescribed() {
        PersiteCliTest.Run top = run("--help");
        List<String> entries = new java.util.ArrayList<>(); // a command's summary, its wrapped lines joined
        boolean inCommands = false;
        for (String line : top.out().lines().toList()) {
            if (line.startsWith("Commands:")) {
                inCommands = true;
            } else if (inCommands && line.matches("  [a-z-]+ +\\S.*")) {
                entries.add(line.strip());
            } else if (inCommands && line.startsWith("     ") && !entries.isEmpty()) {
                entries.set(entries.size() - 1, entries.get(entries.size() - 1) + " " + line.strip());
            }
        }
        assertTrue(entries.size() >= 10, top.out());
        for (String e : entries) {
            assertTrue(e.endsWith(".") || e.startsWith("help"), "a summary cut short: " + e);
        }
        PersiteCliTest.Run activate = run("models", "activate", "--help");
        assertTrue(activate.out().contains("The model's name") && activate.out().contains("The version to make live"), activate.out());
        PersiteCliTest.Run train = run("train", "--help");
        assertFalse(train.err().contains("Could not format"), train.err());
    }

    @Test
    void versionNamesTheBuildTheLibrariesAndTheDefaultModel() {
        PersiteCliTest.Run v = run("--version");
        assertEquals(0, v.code());
        assertTrue(v.out().matches("(?s)persite \\S+ \\(commit \\S+, .*\\).*"), v.out());
        assertTrue(v.out().contains("Java " + System.getProperty("java.version")), v.out());
        assertTrue(v.out().contains("ONNX Runtime 1.") && v.out().contains("DJL 0."), v.out());
        assertTrue(v.out().contains("default model: magmom v"), v.out());
    }

    @Test
    void aShellCompletionScriptIsGenerated() {
        PersiteCliTest.Run c = run("generate-completion");
        assertEquals(0, c.code(), c.err());
        assertTrue(c.out().contains("complete -F") && c.out().contains("predict"), c.out().substring(0, Math.min(300, c.out().length())));
    }

    @Test
    void theEtaIsTheRunsOwnPaceNotItsStartUp() {
        Progress p = new Progress(new java.io.PrintWriter(new java.io.StringWriter()), false);
        p.expect(1_000);
        long t0 = System.nanoTime();
        // 10 s of start-up, then 100 structures a second
        p.firstDoneAt(t0 + 10_000_000_000L, 0);
        for (int i = 0; i < 200; i++) {
            p.predicted(1);
        }
        String eta = p.eta(t0 + 12_000_000_000L, 200);
        assertEquals("8s", eta, "800 left at 100/s (counting from the start-up would say 48s)");
        assertEquals("--", new Progress(new java.io.PrintWriter(new java.io.StringWriter()), false).eta(t0, 0), "no pace yet: no ETA");
    }

    /** The same JSON line read in-process (a whole file) and through a server (one line, named FILE:LINE) names its structure alike. */
    @Test
    void aJsonLineSentAloneIsNamedAsInItsFile() throws Exception {
        org.persite.structure.StructureReader reader = new org.persite.structure.StructureReader(org.persite.config.PersiteConfig.load()
                .structureLimits(org.persite.graph.ElementTable.cgcnn()), org.persite.graph.CellListOverlapFinder.INSTANCE);
        Path file = tmp.resolve("two.jsonl");
        List<String> lines = Files.readAllLines(Path.of("data/mp_magmom_tmo/sample_500/sample_500.jsonl")).subList(0, 2);
        String noId = lines.get(1).replaceFirst("\"id\":\"[^\"]*\",", "");
        Files.write(file, List.of(lines.get(0), noId));
        List<org.persite.structure.ParseResult> whole = reader.readFile(file, org.persite.structure.Format.JSONL);
        List<org.persite.structure.ParseResult> first = reader.read(file + ":1", org.persite.structure.Format.JSONL, lines.get(0));
        List<org.persite.structure.ParseResult> second = reader.read(file + ":2", org.persite.structure.Format.JSONL, noId);
        String id = TestVectors.JSON.readTree(lines.get(0)).path("id").asText();
        assertEquals(file + "#" + id, name(whole.get(0)));
        assertEquals(name(whole.get(0)), name(first.get(0)));
        assertEquals(file + ":2", name(whole.get(1)));
        assertEquals(name(whole.get(1)), name(second.get(0)));
    }

    private static String name(org.persite.structure.ParseResult r) {
        return ((org.persite.structure.ParseResult.Parsed) r).value().structure().source();
    }
}
