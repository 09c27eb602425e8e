package org.persite.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The licence and citation of a training dataset, from the {@value #FILE} that sits beside it or in a folder above it
 * (at most {@value #LEVELS} levels up): {@code {"licence": "...", "citation": "..."}}. A trained model's card carries
 * them in its provenance ({@code data_licence}, {@code data_citation}), so whoever uses the model knows what the data
 * allow and whom to cite.
 */
public final class DatasetLicence {
    /** The file a dataset folder describes its licence in. */
    public static final String FILE = "licence.json";
    static final int LEVELS = 3;
    /** What a card says when no licence file was found. */
    public static final String UNKNOWN = "not recorded: no " + FILE + " beside the dataset; see its own README";

    private DatasetLicence() {
    }

    /** The provenance entries for {@code dataset}: data_licence and data_citation. */
    public static Map<String, String> of(Path dataset) {
        Path dir = dataset.toAbsolutePath().getParent();
        for (int i = 0; i < LEVELS && dir != null; i++, dir = dir.getParent()) {
            Path f = dir.resolve(FILE);
            if (Files.isRegularFile(f)) {
                try {
                    JsonNode n = new ObjectMapper().readTree(f.toFile());
                    return Map.of("data_licence", n.path("licence").asText(UNKNOWN), "data_citation", n.path("citation").asText(""));
                } catch (IOException e) {
                    return Map.of("data_licence", FILE + " beside the dataset is not valid JSON: " + e.getMessage(), "data_citation", "");
                }
            }
        }
        return Map.of("data_licence", UNKNOWN, "data_citation", "");
    }
}
