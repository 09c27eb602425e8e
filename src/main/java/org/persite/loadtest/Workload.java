package org.persite.loadtest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.persite.api.v1.Format;
import org.persite.api.v1.PredictRequest;
import org.persite.api.v1.ResponseOrder;
import org.persite.api.v1.StructureText;

/** The structures a load test sends: the lines of a JSON Lines dataset, repeated as needed. */
final class Workload {
    private final List<PredictRequest> requests;

    private Workload(List<PredictRequest> requests) {
        this.requests = requests;
    }

    /** Every non-blank line of a .jsonl or .jsonl.gz file, one request each. */
    static Workload fromJsonl(Path file, int limit) throws IOException {
        List<PredictRequest> out = new ArrayList<>();
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null && out.size() < limit) {
                if (!line.isBlank()) {
                    out.add(PredictRequest.newBuilder().setText(StructureText.newBuilder().setFormat(Format.JSONL).setContent(line)
                            .setName(file.getFileName() + ":" + (out.size() + 1))).build());
                }
            }
        }
        if (out.isEmpty()) {
            throw new IOException(file + " holds no structures");
        }
        return new Workload(List.copyOf(out));
    }

    /** One structure of exactly {@code sites} sites from the file, repeated (the low-load latency probe). */
    Workload only(int sites) throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (PredictRequest r : requests) {
            if (json.readTree(r.getText().getContent()).path("species").size() == sites) {
                return new Workload(List.of(r));
            }
        }
        throw new IOException("no structure with " + sites + " sites in the workload");
    }

    int size() {
        return requests.size();
    }

    /** The i-th request (cycling through the file), with request id {@code i}. */
    PredictRequest request(long i, ResponseOrder order) {
        return requests.get((int) (i % requests.size())).toBuilder().setRequestId(Long.toString(i)).setOrder(order).build();
    }
}
