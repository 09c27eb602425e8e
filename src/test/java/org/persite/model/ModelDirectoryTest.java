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
}
