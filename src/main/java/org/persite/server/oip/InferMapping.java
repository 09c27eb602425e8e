package org.persite.server.oip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.persite.api.v1.ExplicitStructure;
import org.persite.api.v1.Format;
import org.persite.api.v1.PredictRequest;
import org.persite.api.v1.PredictResponse;
import org.persite.api.v1.SitePrediction;
import org.persite.api.v1.StructureResult;
import org.persite.api.v1.StructureText;

/**
 * An OIP infer request as persite requests, and persite's answers as an OIP infer response.
 *
 * <p>Inputs: {@code structure} (BYTES, shape [K]: each element a structure file's text; the parameter
 * {@code format} = cif, poscar, extxyz, jsonl or auto, on the input or the request), or a structure given field by
 * field: {@code lattice} (FP64 [3, 3], Å, rows a, b, c), {@code species} (BYTES [N]) and {@code frac_coords} (FP64
 * [N, 3]).
 *
 * <p>Outputs, over the S sites of every structure predicted, in input order: {@code values} (FP32 [S, P], P
 * properties, units in the response's parameters), {@code uncertainty} (FP32 [S, P], models with a σ), {@code interval_low} and {@code interval_high} (FP32 [S, P], models with a one-sided interval), {@code domain_score}
 * (FP32 [S], models with a domain head), {@code species} (BYTES [S]) and {@code site_structure} (INT32 [S], which
 * structure a site belongs to); and over the K structures read: {@code structure_name} (BYTES [K]), {@code
 * structure_input} (INT32 [K], the input element it came from) and {@code structure_error} (BYTES [K], empty when
 * predicted). One bad structure is an error string in its place, not a failed request.
 */
public final class InferMapping {
    static final ObjectMapper JSON = new ObjectMapper();

    private InferMapping() {
    }

    /** A request the client got wrong: HTTP 400 with this message. */
    public static final class BadInfer extends Exception {
        public BadInfer(String message) {
            super(message);
        }
    }

    /** The persite requests of one infer request, one per structure element. */
    public static List<PredictRequest> requests(JsonNode infer, String model, int version) throws BadInfer {
        if (!infer.isObject()) {
            throw new BadInfer("the request body must be a JSON object with \"inputs\"");
        }
        JsonNode inputs = infer.path("inputs");
        if (!inputs.isArray() || inputs.isEmpty()) {
            throw new BadInfer("\"inputs\" must be a non-empty array of tensors");
        }
        String id = infer.path("id").asText("");
        String requestFormat = infer.path("parameters").path("format").asText("auto");
        JsonNode structure = named(inputs, "structure");
        List<PredictRequest> out = new ArrayList<>();
        if (structure != null) {
            checkType(structure, "BYTES");
            Format format = format(structure.path("parameters").path("format").asText(requestFormat));
            List<JsonNode> elements = flat(structure.path("data"));
            if (elements.isEmpty()) {
                throw new BadInfer("input \"structure\" has no elements");
            }
            for (int i = 0; i < elements.size(); i++) {
                JsonNode e = elements.get(i);
                if (!e.isTextual()) {
                    throw new BadInfer("input \"structure\" element " + i + " is not a string (a structure file's text)");
                }
                out.add(base(id, i, model, version).setText(StructureText.newBuilder().setFormat(format).setContent(e.asText())
                        .setName("structure[" + i + "]")).build());
            }
            return out;
        }
        JsonNode lattice = named(inputs, "lattice");
        JsonNode species = named(inputs, "species");
        JsonNode frac = named(inputs, "frac_coords");
        if (lattice == null || species == null || frac == null) {
            throw new BadInfer("inputs need \"structure\" (BYTES: structure files' text), or \"lattice\", \"species\" and \"frac_coords\"");
        }
        checkType(species, "BYTES");
        ExplicitStructure.Builder x = ExplicitStructure.newBuilder();
        for (JsonNode v : flat(lattice.path("data"))) {
            x.addLattice(number(v, "lattice"));
        }
        for (JsonNode v : flat(species.path("data"))) {
            x.addSpecies(v.asText());
        }
        for (JsonNode v : flat(frac.path("data"))) {
            x.addFracCoords(number(v, "frac_coords"));
        }
        out.add(base(id, 0, model, version).setExplicit(x).build());
        return out;
    }

    private static PredictRequest.Builder base(String id, int i, String model, int version) {
        return PredictRequest.newBuilder().setRequestId((id.isEmpty() ? "infer" : id) + "[" + i + "]").setModel(model).setModelVersion(Math.max(version, 0));
    }

    /** The infer response for the answers to {@link #requests}, in the same order. */
    public static ObjectNode response(String id, List<PredictResponse> answers, boolean uncertainty, boolean domain, boolean interval) {
        PredictResponse first = answers.get(0);
        int props = first.getPropertiesCount();
        ArrayNode values = JSON.createArrayNode();
        ArrayNode sigma = JSON.createArrayNode();
        ArrayNode domainScore = JSON.createArrayNode();
        ArrayNode low = JSON.createArrayNode();
        ArrayNode high = JSON.createArrayNode();
        ArrayNode species = JSON.createArrayNode();
        ArrayNode siteStructure = JSON.createArrayNode();
        ArrayNode names = JSON.createArrayNode();
        ArrayNode inputs = JSON.createArrayNode();
        ArrayNode errors = JSON.createArrayNode();
        int k = 0;
        for (int in = 0; in < answers.size(); in++) {
            PredictResponse a = answers.get(in);
            if (a.getStructuresCount() == 0) { // the request failed as a whole
                names.add("structure[" + in + "]");
                inputs.add(in);
                errors.add(a.getStatus().getMessage());
                k++;
                continue;
            }
            for (StructureResult s : a.getStructuresList()) {
                names.add(s.getName());
                inputs.add(in);
                errors.add(s.getStatus().getCode() == 0 ? "" : s.getStatus().getMessage());
                for (SitePrediction site : s.getSitesList()) {
                    for (int q = 0; q < props; q++) {
                        values.add(site.getValues(q));
                        if (uncertainty) {
                            sigma.add(q < site.getUncertaintyCount() ? site.getUncertainty(q) : Float.NaN);
                        }
                        if (interval) {
                            low.add(q < site.getIntervalLowCount() ? site.getIntervalLow(q) : Float.NaN);
                            high.add(q < site.getIntervalHighCount() ? site.getIntervalHigh(q) : Float.NaN);
                        }
                    }
                    if (domain) {
                        domainScore.add(site.hasDomainScore() ? site.getDomainScore() : Float.NaN);
                    }
                    species.add(site.getElement());
                    siteStructure.add(k);
                }
                k++;
            }
        }
        int sites = species.size();
        ObjectNode r = JSON.createObjectNode();
        r.put("model_name", first.getModel());
        r.put("model_version", Integer.toString(first.getModelVersion()));
        if (!id.isEmpty()) {
            r.put("id", id);
        }
        ObjectNode params = r.putObject("parameters");
        params.put("properties", String.join(",", first.getPropertiesList()));
        params.put("units", String.join(",", first.getUnitsList()));
        ArrayNode outputs = r.putArray("outputs");
        tensor(outputs, "values", "FP32", values, sites, props);
        if (uncertainty) {
            tensor(outputs, "uncertainty", "FP32", sigma, sites, props);
        }
        if (domain) {
            tensor(outputs, "domain_score", "FP32", domainScore, sites);
        }
        if (interval) {
            tensor(outputs, "interval_low", "FP32", low, sites, props);
            tensor(outputs, "interval_high", "FP32", high, sites, props);
        }
        tensor(outputs, "species", "BYTES", species, sites);
        tensor(outputs, "site_structure", "INT32", siteStructure, sites);
        tensor(outputs, "structure_name", "BYTES", names, k);
        tensor(outputs, "structure_input", "INT32", inputs, k);
        tensor(outputs, "structure_error", "BYTES", errors, k);
        return r;
    }

    private static void tensor(ArrayNode outputs, String name, String type, ArrayNode data, int... shape) {
        describe(outputs, name, type, shape).set("data", data);
    }

    /** Adds a tensor's description ({@code name}, {@code datatype}, {@code shape}; -1 for any size) to {@code list}, and returns it. */
    static ObjectNode describe(ArrayNode list, String name, String type, int... shape) {
        ObjectNode t = list.addObject();
        t.put("name", name);
        t.put("datatype", type);
        ArrayNode s = t.putArray("shape");
        for (int d : shape) {
            s.add(d);
        }
        return t;
    }

    private static JsonNode named(JsonNode inputs, String name) throws BadInfer {
        JsonNode found = null;
        for (JsonNode t : inputs) {
            if (name.equals(t.path("name").asText())) {
                if (found != null) {
                    throw new BadInfer("input \"" + name + "\" is given twice");
                }
                found = t;
            }
        }
        return found;
    }

    private static void checkType(JsonNode tensor, String type) throws BadInfer {
        String t = tensor.path("datatype").asText(type);
        if (!t.equals(type)) {
            throw new BadInfer("input \"" + tensor.path("name").asText() + "\" has datatype " + t + "; it must be " + type);
        }
    }

    /** A tensor's data in row-major order, whether given flat or nested (both are allowed by the protocol). */
    private static List<JsonNode> flat(JsonNode data) throws BadInfer {
        if (!data.isArray()) {
            throw new BadInfer("a tensor's \"data\" must be an array");
        }
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode d : data) {
            if (d.isArray()) {
                out.addAll(flat(d));
            } else {
                out.add(d);
            }
        }
        return out;
    }

    private static double number(JsonNode v, String input) throws BadInfer {
        if (!v.isNumber()) {
            throw new BadInfer("input \"" + input + "\" holds " + v + ", not a number");
        }
        return v.asDouble();
    }

    static Format format(String name) throws BadInfer {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "auto", "" -> Format.AUTO;
            case "cif" -> Format.CIF;
            case "poscar", "contcar", "vasp" -> Format.POSCAR;
            case "extxyz", "xyz" -> Format.EXTXYZ;
            case "jsonl", "json" -> Format.JSONL;
            default -> throw new BadInfer("unknown format \"" + name + "\": use cif, poscar, extxyz, jsonl or auto");
        };
    }
}
