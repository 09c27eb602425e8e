package org.persite.cli;

import org.persite.config.HostPort;
import com.typesafe.config.ConfigFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.zip.GZIPInputStream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.stream.javadsl.Source;
import org.persite.api.v1.PerSiteClient;
import org.persite.api.v1.PredictRequest;
import org.persite.api.v1.PredictResponse;
import org.persite.api.v1.SitePrediction;
import org.persite.api.v1.StructureResult;
import org.persite.api.v1.StructureText;
import org.persite.structure.Format;

/**
 * {@code persite predict --server}: streams the inputs to a server through one PredictStream call (input
 * order) and writes the rows as the responses arrive. Files are read lazily, so the client holds no more than
 * the call's flow-control window; a JSON Lines file is sent one line (one structure) per request, any other
 * file as one request.
 */
final class RemotePredictor {
    private final String host;
    private final int port;
    private final String model;
    private final Format format;
    private final int timeoutMs;
    private double totalCharge;

    /** The net charge every request asks its structures to sum to (charge models); 0 unless set. */
    RemotePredictor withTotalCharge(double q) {
        this.totalCharge = q;
        return this;
    }

    RemotePredictor(String server, String model, Format format, int timeoutMs) {
        HostPort address = HostPort.parse(server);
        this.host = address.host();
        this.port = address.port();
        this.model = model == null ? "" : model;
        this.format = format;
        this.timeoutMs = timeoutMs;
    }

    int run(List<Path> files, SiteRowWriter rows, PrintWriter err, Progress progress) {
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "persite-client", ConfigFactory.load());
        PerSiteClient client = PerSiteClient.create(GrpcClientSettings.connectToServiceAt(host, port, system).withTls(false), system);
        try {
            Source<PredictRequest, ?> requests = Source.fromIterator(() -> new Requests(files, progress));
            client.predictStream(requests.mapMaterializedValue(m -> org.apache.pekko.NotUsed.getInstance()))
                    .runForeach(resp -> write(resp, rows, progress), system).toCompletableFuture().get();
        } catch (ExecutionException e) {
            err.println("error: the stream to " + host + ":" + port + " failed: " + e.getCause().getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } finally {
            client.close();
            system.terminate();
        }
        return progress.errors() == 0 ? 0 : 1;
    }

    private static void write(PredictResponse resp, SiteRowWriter rows, Progress progress) {
        if (resp.getStructuresCount() == 0 && resp.getStatus().getCode() != 0) {
            progress.failed(resp.getStatus().getMessage());
            return;
        }
        // the first answer with a predicted site declares the columns (sites of a model with σ carry standard deviations, and of one with an interval its bounds)
        resp.getStructuresList().stream().filter(s -> s.getSitesCount() > 0).findFirst().ifPresent(s ->
                rows.properties(resp.getPropertiesList(), resp.getUnitsList(), s.getSites(0).getUncertaintyCount() > 0, s.getSites(0).hasDomainScore(),
                        s.getSites(0).getIntervalLowCount() > 0));
        String version = resp.getModel() + "/" + resp.getModelVersion();
        for (StructureResult s : resp.getStructuresList()) {
            s.getWarningsList().forEach(progress::warned);
            if (s.getStatus().getCode() != 0) {
                progress.failed(s.getStatus().getMessage());
                continue;
            }
            for (SitePrediction site : s.getSitesList()) {
                int p = site.getValuesCount();
                int u = site.getUncertaintyCount();
                int b = site.getIntervalLowCount();
                float[] v = new float[p + u + 2 * b];                                           // values, σ, lower bounds, upper bounds
                for (int q = 0; q < p; q++) {
                    v[q] = site.getValues(q);
                }
                for (int q = 0; q < u; q++) {
                    v[p + q] = site.getUncertainty(q);
                }
                for (int q = 0; q < b; q++) {
                    v[p + u + q] = site.getIntervalLow(q);
                    v[p + u + b + q] = site.getIntervalHigh(q);
                }
                rows.row(s.getName(), site.getIndex(), site.getElement(), v, site.getDomainScore(), s.getOutOfDomain(), version);
            }
            progress.predicted(s.getSitesCount());
        }
    }

    /** The requests, read from the files one at a time as the stream asks for them. */
    private final class Requests implements Iterator<PredictRequest> {
        private final Iterator<Path> files;
        private final Progress progress;
        private final Deque<PredictRequest> ready = new ArrayDeque<>();
        private BufferedReader jsonl;
        private Path jsonlPath;
        private int jsonlLine;
        private long nextId;

        Requests(List<Path> files, Progress progress) {
            this.files = files.iterator();
            this.progress = progress;
        }

        @Override
        public boolean hasNext() {
            while (ready.isEmpty()) {
                if (jsonl != null) {
                    readJsonlLine();
                } else if (files.hasNext()) {
                    open(files.next());
                } else {
                    return false;
                }
            }
            return true;
        }

        @Override
        public PredictRequest next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.poll();
        }

        private void open(Path file) {
            boolean gz = file.getFileName().toString().endsWith(".gz");
            try {
                Format f = format == Format.AUTO ? Format.detect(file.toString(), "") : format;
                if (f == Format.JSONL) {
                    InputStream in = Files.newInputStream(file);
                    jsonl = new BufferedReader(new InputStreamReader(gz ? new GZIPInputStream(in) : in, StandardCharsets.UTF_8));
                    jsonlPath = file;
                    jsonlLine = 0;
                    return;
                }
                byte[] content;
                try (InputStream in = Files.newInputStream(file); InputStream body = gz ? new GZIPInputStream(in) : in) {
                    content = body.readAllBytes();
                }
                add(file.toString(), format, new String(content, StandardCharsets.UTF_8));
            } catch (IOException e) {
                progress.failed(file + ": cannot read the file: " + e.getMessage());
            }
        }

        private void readJsonlLine() {
            try {
                String line = jsonl.readLine();
                jsonlLine++;
                if (line == null) {
                    jsonl.close();
                    jsonl = null;
                } else if (!line.isBlank()) {
                    add(jsonlPath + ":" + jsonlLine, Format.JSONL, line);
                }
            } catch (IOException e) {
                progress.failed(jsonlPath + ":" + jsonlLine + ": cannot read the file: " + e.getMessage());
                jsonl = null;
            }
        }

        private void add(String name, Format f, String content) {
            ready.add(PredictRequest.newBuilder().setRequestId(Long.toString(++nextId)).setModel(model).setTimeoutMs(timeoutMs).setTotalCharge(totalCharge)
                    .setText(StructureText.newBuilder().setName(name).setFormat(proto(f)).setContent(content)).build());
        }
    }

    private static org.persite.api.v1.Format proto(Format f) {
        return switch (f) {
            case CIF -> org.persite.api.v1.Format.CIF;
            case POSCAR -> org.persite.api.v1.Format.POSCAR;
            case EXTXYZ -> org.persite.api.v1.Format.EXTXYZ;
            case JSONL -> org.persite.api.v1.Format.JSONL;
            case AUTO -> org.persite.api.v1.Format.AUTO;
        };
    }
}
