package org.persite.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.TestModels;
import org.persite.graph.ElementTable;
import org.persite.graph.FeaturizerSettings;

class ModelDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripsTheCard() throws Exception {
        LoadedModel written = TestModels.write(tmp.resolve("m"), "magmom-test", 3, 2, 1);
        LoadedModel loaded = ModelDirectory.load(written.directory());
        assertEquals(written.spec(), loaded.spec());
        assertEquals(written.sha256(), loaded.sha256());
        assertEquals(FeaturizerSettings.reference(), loaded.spec().featurizer());
        assertEquals("μB", loaded.spec().properties().get(0).unit());
        assertTrue(Files.readString(written.directory().resolve("model.json")).contains("\"sha256\""));
    }

    @Test
    void aCorruptModelIsRefused() throws Exception {
        Path dir = TestModels.write(tmp.resolve("m"), "m", 1, 1, 1).directory();
        byte[] onnx = Files.readAllBytes(dir.resolve("model.onnx"));
        onnx[onnx.length / 2] ^= 0x5a;
        Files.write(dir.resolve("model.onnx"), onnx);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelDirectory.load(dir));
        assertTrue(e.getMessage().contains("sha256"), e.getMessage());
    }

    @Test
    void missingFilesAndForeignFeaturizersAreRefused() throws Exception {
        assertTrue(assertThrows(ModelLoadException.class, () -> ModelDirectory.load(tmp)).getMessage().contains("no model.json"));
        Path dir = TestModels.write(tmp.resolve("m"), "m", 1, 1, 1).directory();
        ObjectMapper json = new ObjectMapper();
        ObjectNode card = (ObjectNode) json.readTree(dir.resolve("model.json").toFile());
        ((ObjectNode) card.get("featurizer")).put("element_table_sha256", "0".repeat(64));
        json.writeValue(dir.resolve("model.json").toFile(), card);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelDirectory.load(dir));
        assertTrue(e.getMessage().contains("element table"), e.getMessage());
        ((ObjectNode) card.get("featurizer")).put("element_table_id", "magpie");
        json.writeValue(dir.resolve("model.json").toFile(), card);
        assertTrue(assertThrows(ModelLoadException.class, () -> ModelDirectory.load(dir)).getMessage().contains("unsupported element table"));
        Files.delete(dir.resolve("model.onnx"));
        assertTrue(assertThrows(ModelLoadException.class, () -> ModelDirectory.load(dir)).getMessage().contains("no model.onnx"));
    }

    @Test
    void theOnnxFileDeclaresIrOpsetAndInterface() throws Exception {
        LoadedModel m = TestModels.write(tmp.resolve("m"), "m", 1, 1, 1);
        org.persite.model.onnx.OnnxProto.ModelProto proto = org.persite.model.onnx.OnnxProto.ModelProto.parseFrom(m.onnx());
        assertEquals(8, proto.getIrVersion());
        assertEquals(17, proto.getOpsetImport(0).getVersion());
        assertEquals(4, proto.getGraph().getInputCount());
        assertEquals(ModelIo.SITE_VALUES, proto.getGraph().getOutput(0).getName());
        assertEquals(ElementTable.cgcnn().maxAtomicNumber() + 1, proto.getGraph().getInitializerList().stream()
                .filter(t -> t.getName().equals("embedding_table")).findFirst().orElseThrow().getDims(0));
    }
    @Test
    void aWriteThatFailsHalfWayLeavesNoVersionFolderAndNothingPartial() throws Exception {
        Path folder = tmp.resolve("magmom");
        TestModels.write(folder.resolve("1"), "magmom", 1, 1, 1);
        java.util.concurrent.atomic.AtomicInteger writes = new java.util.concurrent.atomic.AtomicInteger();
        ModelDirectory.FileWrite disk = ModelDirectory.writeFilesWith((file, bytes) -> {
            if (writes.incrementAndGet() == 2) { // model.onnx fits; the card does not
                Files.write(file, java.util.Arrays.copyOf(bytes, 10));
                throw new java.io.IOException("No space left on device");
            }
            Files.write(file, bytes);
        });
        try {
            java.io.IOException e = assertThrows(java.io.IOException.class, () -> TestModels.write(folder.resolve("2"), "magmom", 2, 1, 1));
            assertTrue(e.getMessage().contains("No space left"), e.getMessage());
        } finally {
            ModelDirectory.writeFilesWith(disk);
        }
        assertEquals(2, writes.get());
        try (java.util.stream.Stream<Path> s = Files.list(folder)) {
            assertEquals(java.util.List.of("1"), s.map(p -> p.getFileName().toString()).toList(), "no folder 2, no hidden partial folder");
        }
        assertEquals(2, org.persite.train.TrainingJob.nextVersion(folder), "the failed version's number is still free");
        assertEquals(2, TestModels.write(folder.resolve("2"), "magmom", 2, 1, 1).spec().version(), "with room again it is written whole");
        assertEquals("rwxr-xr-x", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(folder.resolve("2"))));
        assertEquals(2, ModelDirectory.load(folder.resolve("2")).spec().version());
    }
}
