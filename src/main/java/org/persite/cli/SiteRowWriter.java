package org.persite.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * Writes predictions one row per site: structure, site, element, one value per property, model version.
 * CSV has a header {@code structure,site,element,<property> (<unit>)...,model}; JSON writes JSON Lines, one
 * object per site with the same fields (values keyed by property name). An ensemble model adds its per-site
 * standard deviations as {@code <property>_std (<unit>)} columns (JSON: {@code <property>_std}); a model with a one-sided
 * interval its bounds as {@code <property>_low (<unit>)} and {@code <property>_high (<unit>)}. A model with a
 * domain summary adds {@code domain_score} (the site's) and {@code out_of_domain} (its structure's verdict).
 * {@code structures} writes JSON Lines too, one object per structure: {@code structure}, {@code model}, {@code units}
 * (property to unit), {@code out_of_domain} when the model has a domain summary, and {@code sites}, each as in
 * {@code json} less the fields its structure holds.
 */
final class SiteRowWriter {
    /** Output formats. */
    enum Style {
        /** one row per site, with a header */
        csv,
        /** JSON Lines, one object per site */
        json,
        /** JSON Lines, one object per structure, with its units */
        structures
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintWriter out;
    private final Style style;
    private List<String> properties;
    /** The suffix of each group of P numbers in a row: "" (the values), then "_std", "_low" and "_high" as declared. */
    private List<String> groups;
    private boolean domain;
    private List<String> units;
    /** The structure being gathered (style structures), written when the next one starts or at {@link #finish()}. */
    private ObjectNode pending;
    private String pendingName;

    SiteRowWriter(PrintWriter out, Style style) {
        this.out = out;
        this.style = style;
    }

    /**
     * Declares the properties (and units) of the rows that follow, and whether they carry standard deviations;
     * CSV prints its header on the first call.
     */
    void properties(List<String> names, List<String> units, boolean withUncertainty) {
        properties(names, units, withUncertainty, false);
    }

    /** As {@link #properties(List, List, boolean)}; {@code withDomain} adds the domain_score and out_of_domain columns. */
    void properties(List<String> names, List<String> units, boolean withUncertainty, boolean withDomain) {
        properties(names, units, withUncertainty, withDomain, false);
    }

    /** As {@link #properties(List, List, boolean, boolean)}; {@code withInterval} adds each property's lower and upper bound. */
    void properties(List<String> names, List<String> units, boolean withUncertainty, boolean withDomain, boolean withInterval) {
        if (properties != null) {
            if (!properties.equals(names)) {
                throw new IllegalStateException("the model's properties changed mid-run: " + properties + " then " + names);
            }
            return;
        }
        properties = List.copyOf(names);
        this.units = List.copyOf(units);
        List<String> g = new java.util.ArrayList<>(List.of(""));
        if (withUncertainty) {
            g.add("_std");
        }
        if (withInterval) {
            g.addAll(List.of("_low", "_high"));
        }
        groups = List.copyOf(g);
        domain = withDomain;
        if (style == Style.csv) {
            StringBuilder header = new StringBuilder("structure,site,element");
            for (int q = 0; q < groups.size() * names.size(); q++) {
                header.append(',').append(csv(column(q) + " (" + units.get(q % names.size()) + ")"));
            }
            if (withDomain) {
                header.append(",domain_score,out_of_domain");
            }
            out.println(header.append(",model"));
        }
    }

    /**
     * One site's row; {@code values} holds one value per property and then, as declared, one standard deviation per
     * property, one lower and one upper bound per property.
     */
    void row(String structure, int site, String element, float[] values, String model) {
        row(structure, site, element, values, Float.NaN, false, model);
    }

    /** As {@link #row(String, int, String, float[], String)}, with the site's domain score and its structure's verdict (used when declared). */
    void row(String structure, int site, String element, float[] values, float domainScore, boolean outOfDomain, String model) {
        int expected = groups.size() * properties.size();
        if (values.length != expected) {
            throw new IllegalStateException("a row of " + values.length + " numbers where " + expected + " were declared");
        }
        if (style == Style.csv) {
            StringBuilder row = new StringBuilder(csv(structure)).append(',').append(site).append(',').append(element);
            for (float v : values) {
                GeneralFormat.append(row.append(','), v, 6);                                  // as "%.6g"
            }
            if (domain) {
                GeneralFormat.append(row.append(','), domainScore, 4).append(',').append(outOfDomain);     // as "%.4g"
            }
            out.println(row.append(',').append(model));
        } else if (style == Style.structures) {
            if (pending == null || site == 0 || !structure.equals(pendingName)) {
                finishStructure();
                pendingName = structure;
                pending = JSON.createObjectNode().put("structure", structure).put("model", model);
                ObjectNode u = pending.putObject("units");
                for (int q = 0; q < properties.size(); q++) {
                    u.put(properties.get(q), units.get(q));
                }
                if (domain) {
                    pending.put("out_of_domain", outOfDomain);
                }
                pending.putArray("sites");
            }
            ObjectNode o = ((com.fasterxml.jackson.databind.node.ArrayNode) pending.get("sites")).addObject().put("site", site).put("element", element);
            for (int q = 0; q < values.length; q++) {
                o.put(column(q), values[q]);
            }
            if (domain) {
                o.put("domain_score", domainScore);
            }
        } else {
            ObjectNode o = JSON.createObjectNode().put("structure", structure).put("site", site).put("element", element);
            for (int q = 0; q < values.length; q++) {
                o.put(column(q), values[q]);
            }
            if (domain) {
                o.put("domain_score", domainScore).put("out_of_domain", outOfDomain);
            }
            out.println(o.put("model", model).toString());
        }
    }

    /** The name of number q of a row: its property's name and its group's suffix. */
    private String column(int q) {
        int p = properties.size();
        return properties.get(q % p) + groups.get(q / p);
    }

    void flush() {
        out.flush();
    }

    /** Writes what is still gathered (the last structure, style structures) and flushes. */
    void finish() {
        finishStructure();
        out.flush();
    }

    private void finishStructure() {
        if (pending != null) {
            out.println(pending.toString());
            pending = null;
            pendingName = null;
        }
    }

    /** A CSV field, quoted when it holds a comma, quote or newline. */
    static String csv(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
