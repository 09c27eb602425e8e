package org.persite.structure;

import java.util.Locale;

/** The structure file formats persite reads. */
public enum Format {
    CIF, POSCAR, EXTXYZ, JSONL,
    /** Decide from the file name, then from the content. */
    AUTO;

    /**
     * The format of a named input: by its name first ({@code .cif}, {@code POSCAR*}/{@code CONTCAR*}/
     * {@code .vasp}, {@code .xyz}/{@code .extxyz}, {@code .jsonl}/{@code .jsonl.gz}), else by its first lines.
     */
    public static Format detect(String name, String head) {
        String n = name.toLowerCase(Locale.ROOT);
        int slash = Math.max(n.lastIndexOf('/'), n.lastIndexOf('\\'));
        String base = n.substring(slash + 1);
        if (base.endsWith(".gz")) {
            base = base.substring(0, base.length() - 3);
        }
        if (base.endsWith(".cif") || base.endsWith(".mcif")) {
            return CIF;
        }
        if (base.endsWith(".jsonl") || base.endsWith(".ndjson")) {
            return JSONL;
        }
        if (base.endsWith(".xyz") || base.endsWith(".extxyz")) {
            return EXTXYZ;
        }
        if (base.startsWith("poscar") || base.startsWith("contcar") || base.endsWith(".vasp") || base.endsWith(".poscar")) {
            return POSCAR;
        }
        return sniff(head);
    }

    private static Format sniff(String head) {
        String h = head.stripLeading();
        if (h.startsWith("{")) {
            return JSONL;
        }
        String[] lines = h.split("\r?\n", 3);
        if (lines.length >= 2 && lines[0].strip().matches("\\d+") && lines[1].toLowerCase(Locale.ROOT).contains("lattice=")) {
            return EXTXYZ;
        }
        for (String line : h.split("\r?\n", 200)) {
            String l = line.strip().toLowerCase(Locale.ROOT);
            if (l.startsWith("data_") || l.startsWith("_cell_") || l.startsWith("loop_")) {
                return CIF;
            }
        }
        return POSCAR;
    }
}
