package org.persite.graph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;

/**
 * The element feature table: one vector of A features per atomic number. The default is CGCNN's
 * {@code atom_init.json} (Xie &amp; Grossman 2018, MIT licence; shipped in {@code data/cgcnn_reference}):
 * Z = 1..100, A = 92 one-hot features (group, period, electronegativity, covalent radius, valence
 * electrons, first ionisation energy, electron affinity, block, atomic volume).
 *
 * <p>The table is identified by an id and the sha256 of its file, which every model records in its
 * featurizer settings, so that a model is never fed features of another table. Immutable.
 */
public final class ElementTable {
    /** Id of the CGCNN table. */
    public static final String CGCNN_ID = "cgcnn-atom-init-92";
    private static final String CGCNN_RESOURCE = "atom_init.json";

    private static volatile ElementTable cgcnn;

    private final String id;
    private final String sha256;
    private final int featureLength;
    private final float[][] features; // [Zmax + 1][A], row 0 and missing rows null

    private ElementTable(String id, String sha256, float[][] features, int featureLength) {
        this.id = id;
        this.sha256 = sha256;
        this.features = features;
        this.featureLength = featureLength;
    }

    /** The CGCNN 92-feature table, read once from the classpath. */
    public static ElementTable cgcnn() {
        ElementTable t = cgcnn;
        if (t == null) {
            synchronized (ElementTable.class) {
                t = cgcnn;
                if (t == null) {
                    try (InputStream in = ElementTable.class.getResourceAsStream(CGCNN_RESOURCE)) {
                        if (in == null) {
                            throw new IllegalStateException("element table resource " + CGCNN_RESOURCE + " is missing from the classpath");
                        }
                        t = parse(CGCNN_ID, in.readAllBytes());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    cgcnn = t;
                }
            }
        }
        return t;
    }

    /** Parses an {@code atom_init.json}-style table: {"1": [..A numbers..], "2": [...], ...}. */
    public static ElementTable parse(String id, byte[] json) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json);
        if (root == null || !root.isObject()) {
            throw new IOException("element table must be a JSON object keyed by atomic number");
        }
        int zmax = 0;
        int a = -1;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int z;
            try {
                z = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw new IOException("element table key is not an atomic number: " + e.getKey());
            }
            if (z < 1 || z > org.persite.structure.Elements.MAX_Z) {
                throw new IOException("element table has atomic number out of range: " + z);
            }
            int len = e.getValue().size();
            if (a >= 0 && len != a) {
                throw new IOException("element table rows differ in length: " + a + " and " + len);
            }
            a = len;
            zmax = Math.max(zmax, z);
        }
        float[][] f = new float[zmax + 1][];
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            float[] row = new float[a];
            for (int k = 0; k < a; k++) {
                row[k] = (float) e.getValue().get(k).asDouble();
            }
            f[Integer.parseInt(e.getKey())] = row;
        }
        return new ElementTable(id, sha256(json), f, a);
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String id() {
        return id;
    }

    /** sha256 (hex) of the table file's bytes. */
    public String sha256() {
        return sha256;
    }

    /** A, the length of each feature vector. */
    public int featureLength() {
        return featureLength;
    }

    /** The highest atomic number with a row. */
    public int maxAtomicNumber() {
        return features.length - 1;
    }

    /** Whether the table has a row for atomic number z. */
    public boolean covers(int z) {
        return z > 0 && z < features.length && features[z] != null;
    }

    /** A copy of the [A] feature vector of atomic number z. */
    public float[] features(int z) {
        if (!covers(z)) {
            throw new IllegalArgumentException("element table " + id + " has no row for Z=" + z);
        }
        return features[z].clone();
    }
}
