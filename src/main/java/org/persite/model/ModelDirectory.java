package org.persite.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.persite.graph.ElementTable;
import org.persite.graph.FeaturizerSettings;

/**
 * The one on-disk model format, used by the server's registry, the trainer and the CLI: a directory with
 * {@code model.onnx} and {@code model.json}, the model card. The card holds the featurizer settings, the
 * properties with units and normalisers, the hyperparameters, provenance, metrics and the sha256 of
 * {@code model.onnx}. Loading checks the checksum and that the featurizer settings are supported, and
 * refuses the model with a clear {@link ModelLoadException} otherwise.
 */
public final class ModelDirectory {
    public static final String ONNX_FILE = "model.onnx";
    public static final String CARD_FILE = "model.json";
    /** The card's format tag. */
    public static final String FORMAT = "persite-model/1";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelDirectory() {
    }

    /**
     * Writes a model directory. A new one is written whole in a hidden sibling folder and renamed into place; an
     * existing one is rewritten file by file, {@code model.onnx} first and the card last, each through a temporary
     * file and an atomic rename. Either way a reader never sees a card without its model.
     */
    public static LoadedModel write(Path dir, ModelSpec spec, CgcnnWeights weights, ElementTable table) throws IOException {
        return write(dir, spec, OnnxCgcnnWriter.write(spec, weights, table), false);
    }

    /**
     * Writes a model directory around ONNX bytes already made, for example by {@link OnnxEnsembleWriter};
     * {@code uncertainty} says that the graph also has the {@link ModelIo#SITE_STD} output.
     */
    public static LoadedModel write(Path dir, ModelSpec spec, byte[] onnx, boolean uncertainty) throws IOException {
        String sha = sha256(onnx);
        byte[] cardBytes = JSON.writeValueAsBytes(card(spec, sha, uncertainty));
        if (Files.exists(dir)) { // rewriting a folder that is already there: file by file, each atomically
            writeAtomically(dir.resolve(ONNX_FILE), onnx);
            writeAtomically(dir.resolve(CARD_FILE), cardBytes);
            return new LoadedModel(dir, spec, onnx, sha);
        }
        // a new version: written whole into a hidden sibling folder, then renamed into place in one step, so that a
        // full disk, a failed write or a kill half-way never leaves a version folder that lacks a file (the registry,
        // the poller and nextVersion see only integer names; a kill leaves at most a ".N.partial-*" folder)
        Path parent = dir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path staging = Files.createTempDirectory(parent, "." + dir.getFileName() + PARTIAL);
        try {
            writeAtomically(staging.resolve(ONNX_FILE), onnx);
            writeAtomically(staging.resolve(CARD_FILE), cardBytes);
            widen(staging, "rwxr-xr-x");
            Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            deleteQuietly(staging);
        }
        return new LoadedModel(dir, spec, onnx, sha);
    }

    /** The infix of the hidden folder a new version is written in before it is renamed into place. */
    public static final String PARTIAL = ".partial-";

    /** Writes a file's bytes: {@link #writeFilesWith} replaces it in fault-injection tests (a full disk). */
    @FunctionalInterface
    public interface FileWrite {
        void write(Path file, byte[] bytes) throws IOException;
    }

    private static volatile FileWrite fileWrite = (file, bytes) -> Files.write(file, bytes);

    /**
     * For fault-injection tests only: every model file, card and {@value #ACTIVE_FILE} is written through {@code w}
     * from now on (a test makes it throw "No space left on device"). Returns the one it replaces, to put back.
     */
    public static FileWrite writeFilesWith(FileWrite w) {
        FileWrite old = fileWrite;
        fileWrite = w;
        return old;
    }

    private static void widen(Path p, String permissions) throws IOException {
        try { // temporary files and folders are private; a model is read by servers running as other users
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(permissions));
        } catch (UnsupportedOperationException notPosix) {
            // the file system has no POSIX permissions: nothing to widen
        }
    }

    private static void deleteQuietly(Path staging) {
        if (!Files.exists(staging)) {
            return;
        }
        try (java.util.stream.Stream<Path> s = Files.list(staging)) {
            for (Path f : s.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(staging);
        } catch (IOException e) {
            // left behind: a hidden ".N.partial-*" folder, which nothing reads
        }
    }

    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            fileWrite.write(tmp, bytes);
            widen(tmp, "rw-r--r--");
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The file in a model folder that records its active version ({@link ActiveVersion}). */
    public static final String ACTIVE_FILE = "active.json";

    /**
     * A model's recorded active version and, latest first, the versions that were active before it (what
     * {@code Rollback} goes back through). Written by the server on every Activate, Rollback, trained or polled
     * version; read at start, by {@code persite predict --model models/NAME}, and by anything that resolves a model.
     */
    public record ActiveVersion(int version, List<Integer> previous) {
        public ActiveVersion {
            previous = List.copyOf(previous);
        }
    }

    /** The recorded active version of the model in {@code modelFolder}, or null when none is recorded. */
    public static ActiveVersion readActive(Path modelFolder) throws ModelLoadException {
        Path f = modelFolder.resolve(ACTIVE_FILE);
        if (!Files.exists(f)) {
            return null;
        }
        try {
            JsonNode n = JSON.readTree(f.toFile());
            if (!n.path("version").canConvertToInt() || n.path("version").asInt() < 1) {
                throw new ModelLoadException(modelFolder, ACTIVE_FILE + " has no positive integer \"version\"");
            }
            List<Integer> previous = new ArrayList<>();
            n.path("previous").forEach(v -> previous.add(v.asInt()));
            return new ActiveVersion(n.path("version").asInt(), previous);
        } catch (IOException e) {
            throw new ModelLoadException(modelFolder, ACTIVE_FILE + " is not valid JSON: " + e.getMessage());
        }
    }

    /** Records the active version of the model in {@code modelFolder} (atomically: written aside, then renamed). */
    public static void writeActive(Path modelFolder, ActiveVersion a) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("version", a.version());
        ArrayNode prev = n.putArray("previous");
        a.previous().forEach(prev::add);
        n.put("changed", Instant.now().toString());
        writeAtomically(modelFolder.resolve(ACTIVE_FILE), JSON.writeValueAsBytes(n));
    }

    /**
     * The directory to load for a path that names either a version ({@code models/magmom/3}, holding
     * model.json) or a model ({@code models/magmom}, holding integer version folders): the version recorded in
     * its {@value #ACTIVE_FILE} when there is one (what the server serves), else the highest.
     */
    public static Path resolve(Path dir) throws ModelLoadException {
        if (Files.exists(dir.resolve(CARD_FILE))) {
            return dir;
        }
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException(dir, "no such model directory");
        }
        ActiveVersion recorded = readActive(dir);
        if (recorded != null) {
            Path v = dir.resolve(Integer.toString(recorded.version()));
            if (!Files.isDirectory(v)) {
                throw new ModelLoadException(dir, ACTIVE_FILE + " names version " + recorded.version() + ", which is not there");
            }
            return v;
        }
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("\\d{1,9}") && Files.isDirectory(p))
                    .max(java.util.Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString())))
                    .orElseThrow(() -> new ModelLoadException(dir, "no model.json and no version folder (is this a model directory?)"));
        } catch (IOException e) {
            throw new ModelLoadException(dir, "cannot list the model directory: " + e.getMessage());
        }
    }

    /** Loads and checks a model directory against the element tables this build knows. */
    public static LoadedModel load(Path dir) throws ModelLoadException {
        return load(dir, List.of(ElementTable.cgcnn()));
    }

    /** Loads and checks a model directory; its element table must be one of {@code tables}. */
    public static LoadedModel load(Path dir, List<ElementTable> tables) throws ModelLoadException {
        JsonNode card;
        try {
            card = JSON.readTree(dir.resolve(CARD_FILE).toFile());
        } catch (IOException e) {
            throw new ModelLoadException(dir, Files.exists(dir.resolve(CARD_FILE))
                    ? "model.json is not valid JSON: " + e.getMessage() : "no model.json (is this a model directory?)");
        }
        if (!FORMAT.equals(card.path("format").asText())) {
            throw new ModelLoadException(dir, "model.json has format '" + card.path("format").asText() + "', expected " + FORMAT);
        }
        byte[] onnx;
        try {
            onnx = Files.readAllBytes(dir.resolve(ONNX_FILE));
        } catch (NoSuchFileException e) {
            throw new ModelLoadException(dir, "no model.onnx");
        } catch (IOException e) {
            throw new ModelLoadException(dir, "cannot read model.onnx: " + e.getMessage());
        }
        String expected = card.path("onnx").path("sha256").asText();
        String actual = sha256(onnx);
        if (!actual.equals(expected)) {
            throw new ModelLoadException(dir, "model.onnx has sha256 " + actual + " but the card says " + expected
                    + " (the file is corrupt or was replaced)");
        }
        ModelSpec spec;
        try {
            spec = spec(card);
        } catch (RuntimeException e) {
            throw new ModelLoadException(dir, "model.json is incomplete or invalid: " + e.getMessage());
        }
        FeaturizerSettings fs = spec.featurizer();
        ElementTable table = tables.stream().filter(t -> t.id().equals(fs.elementTableId())).findFirst().orElse(null);
        if (table == null) {
            throw new ModelLoadException(dir, "unsupported element table '" + fs.elementTableId() + "'");
        }
        if (!table.sha256().equals(fs.elementTableSha256())) {
            throw new ModelLoadException(dir, "element table " + fs.elementTableId() + " has checksum " + fs.elementTableSha256()
                    + " in the card, but this build's table is " + table.sha256());
        }
        return new LoadedModel(dir, spec, onnx, actual);
    }

    static ObjectNode card(ModelSpec spec, String onnxSha, boolean uncertainty) {
        ObjectNode c = JSON.createObjectNode();
        c.put("format", FORMAT);
        c.put("name", spec.name());
        c.put("version", spec.version());
        c.put("created", Instant.now().toString());
        ObjectNode onnx = c.putObject("onnx");
        onnx.put("file", ONNX_FILE);
        onnx.put("sha256", onnxSha);
        onnx.put("ir_version", ModelIo.IR_VERSION);
        onnx.put("opset", ModelIo.OPSET);
        ObjectNode io = c.putObject("io");
        io.put(ModelIo.SPECIES, "int64 [N]");
        io.put(ModelIo.NBR_INDEX, "int64 [N, M]");
        io.put(ModelIo.NBR_DISTANCE, "float32 [N, M], Å");
        io.put(ModelIo.NBR_MASK, "float32 [N, M]");
        Trust.ResidualStd residual = spec.trust().residualStd();
        // a single model's σ from its validation errors; an ensemble's σ is its members' spread, residual fit or not
        boolean residualSigma = residual != null && spec.trust().uncertainty() == null;
        io.put(ModelIo.SITE_VALUES, uncertainty && !residualSigma ? "float32 [N, P], the mean over the ensemble's members" : "float32 [N, P]");
        if (uncertainty && residualSigma) {
            io.put(ModelIo.SITE_STD, "float32 [N, P], the validation errors' 90% quantile / 1.645 of the site's element and predicted-value bin");
        } else if (uncertainty) {
            io.put(ModelIo.SITE_STD, spec.trust().uncertainty() == null
                    ? "float32 [N, P], the standard deviation over the ensemble's members (divisor K - 1)"
                    : "float32 [N, P], the members' standard deviation (divisor K - 1) times the per-class scale, capped");
        }
        if (residual != null && residual.interval() != null) {
            io.put(ModelIo.SITE_INTERVAL, "float32 [N, 2], lower and upper bound: the value plus the tail quantiles of the validation errors of "
                    + "the site's element and predicted-value bin");
        }
        if (spec.conservedProperty() >= 0 || spec.hyperparameters().crystalContext()) {
            io.put(ModelIo.SITE_STRUCTURE, "int64 [N], each atom's structure in the batch");
        }
        if (spec.conservedProperty() >= 0) {
            io.put(ModelIo.SITE_TOTAL, "float32 [N], the total its structure's values sum to");
        }
        if (spec.trust().domain() != null) {
            io.put(ModelIo.DOMAIN_SCORE, "float32 [N], domain-of-applicability score (1 = the training quantile of the element)");
        }
        FeaturizerSettings fs = spec.featurizer();
        ObjectNode f = c.putObject("featurizer");
        f.put("cutoff", fs.cutoff());
        f.put("max_neighbors", fs.maxNeighbors());
        f.put("gaussian_dmin", fs.gaussianDmin());
        f.put("gaussian_step", fs.gaussianStep());
        f.put("gaussian_var", fs.gaussianVar());
        f.put("element_table_id", fs.elementTableId());
        f.put("element_table_sha256", fs.elementTableSha256());
        CgcnnHyperparameters hp = spec.hyperparameters();
        ObjectNode h = c.putObject("hyperparameters");
        h.put("atom_features", hp.atomFeatures());
        h.put("conv_layers", hp.convLayers());
        h.put("hidden_width", hp.hiddenWidth());
        h.put("hidden_layers", hp.hiddenLayers());
        if (hp.activation() != Activation.SOFTPLUS) { // cards without the key are softplus (every card before it)
            h.put("activation", hp.activation().cardName());
        }
        if (hp.elementAffine()) { // cards without the key have no per-element output affine (every card before issue 20)
            h.put("element_affine", true);
        }
        if (hp.bondValenceChannels() > 0) { // cards without the key have none (every card before issue 20)
            h.put("bond_valence_channels", hp.bondValenceChannels());
        }
        if (hp.stateBins() > 0) { // cards without the key have a plain output (every card before issue 20 step 9)
            h.put("state_bins", hp.stateBins());
        }
        if (hp.layerNorm()) { // cards without the key normalise with BatchNorm (every card before issue 20 step 11)
            h.put("normalisation", "layer");
        }
        if (hp.crystalContext()) { // cards without the key have no crystal context (every card before issue 20 step 22)
            h.put("crystal_context", true);
        }
        ArrayNode props = c.putArray("properties");
        for (PropertySpec p : spec.properties()) {
            ObjectNode o = props.addObject();
            o.put("name", p.name());
            o.put("unit", p.unit());
            o.put("mean", p.mean());
            o.put("std", p.std());
            o.put("constraint", p.constraint().cardName());
        }
        Trust t = spec.trust();
        if (t.domain() != null || t.uncertainty() != null || t.residualStd() != null || spec.conservedProperty() >= 0) {
            ObjectNode tr = c.putObject("trust");
            tr.put("sum_weights", t.sumWeights());
            if (t.domain() != null) {
                Trust.Domain d = t.domain();
                ObjectNode dn = tr.putObject("domain");
                dn.put("method", d.method());
                dn.put("components", d.components());
                dn.put("site_quantile", d.siteQuantile());
                dn.put("threshold", d.threshold());
                dn.put("threshold_quantile", d.thresholdQuantile());
                if (d.hasLowestSiteThreshold()) {
                    dn.put("lowest_site_threshold", d.lowestSiteThreshold());
                }
                if (d.hasEnvironment()) {
                    dn.put("environment_components", d.environmentComponents());
                }
                ObjectNode es = dn.putObject("element_sites");
                d.elementSites().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> es.put(e.getKey(), e.getValue()));
            }
            if (t.uncertainty() != null) {
                ObjectNode un = tr.putObject("uncertainty");
                un.put("scale_transition_metals", t.uncertainty().scaleTransitionMetals());
                un.put("scale_other", t.uncertainty().scaleOther());
                un.put("cap", t.uncertainty().cap());
                if (!t.uncertainty().elementScales().isEmpty()) {
                    ObjectNode el = un.putObject("element_scales");
                    t.uncertainty().elementScales().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> el.put(e.getKey(), e.getValue()));
                }
            }
            if (t.residualStd() != null) {
                Trust.ResidualStd r = t.residualStd();
                ObjectNode rn = tr.putObject("residual_std");
                rn.put("min_sites", r.minSites());
                com.fasterxml.jackson.databind.node.ArrayNode edges = rn.putArray("edges");
                for (double e : r.edges()) {
                    edges.add(e);
                }
                rn.put("class_transition_metals", r.classTransitionMetals());
                rn.put("class_other", r.classOther());
                ObjectNode el = rn.putObject("element_bins");
                r.elementBins().forEach((symbol, bins) -> numbers(el.putArray(symbol), bins));
                if (r.interval() != null) {
                    Trust.Interval in = r.interval();
                    ObjectNode iv = rn.putObject("interval");
                    iv.put("tail", in.tail());
                    numbers(iv.putArray("class_transition_metals"), in.classTransitionMetals());
                    numbers(iv.putArray("class_other"), in.classOther());
                    ObjectNode lo = iv.putObject("element_lower");
                    in.lower().forEach((symbol, bins) -> numbers(lo.putArray(symbol), bins));
                    ObjectNode hi = iv.putObject("element_upper");
                    in.upper().forEach((symbol, bins) -> numbers(hi.putArray(symbol), bins));
                }
            }
        }
        ObjectNode prov = c.putObject("provenance");
        spec.provenance().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> prov.put(e.getKey(), e.getValue()));
        ObjectNode metrics = c.putObject("metrics");
        spec.metrics().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> metrics.put(e.getKey(), e.getValue()));
        return c;
    }

    /** The card's {@code normalisation}: "batch" (the default) or "layer"; true for layer. */
    static boolean normalisation(String name) {
        return switch (name) {
            case "batch" -> false;
            case "layer" -> true;
            default -> throw new IllegalArgumentException("hyperparameters.normalisation must be \"batch\" or \"layer\", not \"" + name + "\"");
        };
    }

    static ModelSpec spec(JsonNode c) {
        JsonNode f = require(c, "featurizer");
        FeaturizerSettings fs = new FeaturizerSettings(require(f, "cutoff").asDouble(), require(f, "max_neighbors").asInt(),
                require(f, "gaussian_dmin").asDouble(), require(f, "gaussian_step").asDouble(), require(f, "gaussian_var").asDouble(),
                require(f, "element_table_id").asText(), require(f, "element_table_sha256").asText());
        JsonNode h = require(c, "hyperparameters");
        CgcnnHyperparameters hp = new CgcnnHyperparameters(require(h, "atom_features").asInt(), require(h, "conv_layers").asInt(),
                require(h, "hidden_width").asInt(), require(h, "hidden_layers").asInt(), Activation.parse(h.path("activation").asText("softplus")),
                h.path("element_affine").asBoolean(false), h.path("bond_valence_channels").asInt(0),
                h.path("state_bins").asInt(0), normalisation(h.path("normalisation").asText("batch")),
                h.path("crystal_context").asBoolean(false));
        List<PropertySpec> props = new ArrayList<>();
        for (JsonNode p : require(c, "properties")) {
            props.add(new PropertySpec(require(p, "name").asText(), require(p, "unit").asText(), require(p, "mean").asDouble(), require(p, "std").asDouble(),
                    PropertySpec.Constraint.parse(p.path("constraint").asText("none"))));
        }
        Trust trust = Trust.NONE;
        JsonNode tr = c.path("trust");
        if (tr.isObject()) {
            Trust.Domain domain = null;
            JsonNode dn = tr.path("domain");
            if (dn.isObject()) {
                Map<String, Long> sites = new LinkedHashMap<>();
                dn.path("element_sites").fields().forEachRemaining(e -> sites.put(e.getKey(), e.getValue().asLong()));
                domain = new Trust.Domain(require(dn, "method").asText(), require(dn, "components").asInt(), require(dn, "site_quantile").asDouble(),
                        require(dn, "threshold").asDouble(), require(dn, "threshold_quantile").asDouble(),
                        dn.has("lowest_site_threshold") ? dn.get("lowest_site_threshold").asDouble() : Double.NaN, sites,
                        dn.path("environment_components").asInt(0));
            }
            Trust.Uncertainty unc = null;
            JsonNode un = tr.path("uncertainty");
            if (un.isObject()) {
                Map<String, Double> elementScales = new LinkedHashMap<>();
                un.path("element_scales").fields().forEachRemaining(e -> elementScales.put(e.getKey(), e.getValue().asDouble()));
                unc = new Trust.Uncertainty(require(un, "scale_transition_metals").asDouble(), require(un, "scale_other").asDouble(),
                        require(un, "cap").asDouble(), elementScales);
            }
            Trust.ResidualStd residual = null;
            JsonNode rn = tr.path("residual_std");
            if (rn.isObject()) {
                double[] edges = numbers(require(rn, "edges"));
                Map<String, double[]> bins = perElement(rn.path("element_bins"));
                JsonNode iv = rn.path("interval");
                Trust.Interval interval = !iv.isObject() ? null : new Trust.Interval(require(iv, "tail").asDouble(), perElement(iv.path("element_lower")),
                        perElement(iv.path("element_upper")), numbers(require(iv, "class_transition_metals")), numbers(require(iv, "class_other")));
                residual = new Trust.ResidualStd(edges, bins, require(rn, "class_transition_metals").asDouble(), require(rn, "class_other").asDouble(),
                        require(rn, "min_sites").asInt(), interval);
            }
            trust = new Trust(domain, unc, tr.path("sum_weights").asText("uniform"), residual);
        }
        Map<String, String> prov = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = c.path("provenance").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            prov.put(e.getKey(), e.getValue().asText());
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = c.path("metrics").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            metrics.put(e.getKey(), e.getValue().asDouble());
        }
        return new ModelSpec(require(c, "name").asText(), require(c, "version").asInt(), hp, fs, props, prov, metrics, trust);
    }

    private static JsonNode require(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("missing '" + field + "'");
        }
        return v;
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void numbers(com.fasterxml.jackson.databind.node.ArrayNode a, double[] values) {
        for (double v : values) {
            a.add(v);
        }
    }

    private static double[] numbers(JsonNode a) {
        double[] v = new double[a.size()];
        for (int b = 0; b < v.length; b++) {
            v[b] = a.get(b).asDouble();
        }
        return v;
    }

    /** A card's object of element symbol to numbers. */
    private static Map<String, double[]> perElement(JsonNode n) {
        Map<String, double[]> m = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> m.put(e.getKey(), numbers(e.getValue())));
        return m;
    }
}
