package org.persite.structure;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The 530 space-group settings of the International Tables (Vol. A), as data: {@code space-groups.tsv}, from
 * spglib's database (BSD-3-Clause; the source is in its header). Looks a setting up by Hall symbol, by
 * Hermann–Mauguin symbol (full, short or spaced, with or without {@code _}, with a {@code :1}/{@code :2} origin
 * choice or {@code :H}/{@code :R} axes suffix) or by International Tables number. Without a suffix, and for a
 * number, the first setting listed is taken: origin choice 1 and hexagonal axes, as pymatgen does.
 */
public final class SpaceGroups {

    /**
     * One setting.
     *
     * @param hallNumber 1..530, spglib's serial number
     * @param number the International Tables number, 1..230
     * @param choice the setting choice ("", "1", "2", "H", "R", "b1", "-cba", ...)
     * @param hall the Hall symbol, which {@link HallSymbol} expands
     */
    public record Setting(int hallNumber, int number, String choice, String hall, String international, String shortSymbol, String fullSymbol) {
        /** A name for messages: "P2_1/c (No. 14, Hall 'P 2ybc')". */
        public String describe() {
            return shortSymbol + (choice.isEmpty() ? "" : ":" + choice) + " (No. " + number + ", Hall '" + hall + "')";
        }
    }

    private static final List<Setting> ALL;
    private static final Map<String, Setting> BY_HALL = new HashMap<>();
    private static final Map<String, Setting> BY_SYMBOL = new HashMap<>();
    private static final Map<Integer, Setting> BY_NUMBER = new HashMap<>();

    static {
        List<Setting> all = new ArrayList<>();
        try (InputStream in = SpaceGroups.class.getResourceAsStream("space-groups.tsv")) {
            if (in == null) {
                throw new IllegalStateException("space-groups.tsv is missing from the build");
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("#") || line.startsWith("hall_number") || line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                all.add(new Setting(Integer.parseInt(f[0]), Integer.parseInt(f[1]), f[2], f[3], f[4], f[5], f[6]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ALL = List.copyOf(all);
        for (Setting s : ALL) {
            BY_HALL.putIfAbsent(hallKey(s.hall()), s);
            BY_NUMBER.putIfAbsent(s.number(), s);
            List<String> names = new ArrayList<>(List.of(s.shortSymbol(), s.fullSymbol()));
            for (String part : s.international().split("=")) {
                names.add(part);
            }
            for (String name : names) {
                String k = symbolKey(name);
                BY_SYMBOL.putIfAbsent(k, s);
                if (!s.choice().isEmpty()) {
                    BY_SYMBOL.putIfAbsent(k + ":" + s.choice().toUpperCase(Locale.ROOT), s);
                }
            }
        }
    }

    private SpaceGroups() {
    }

    /** All 530 settings, in spglib's order. */
    public static List<Setting> all() {
        return ALL;
    }

    /** The setting with this Hall symbol (spaces and case do not matter), or null. */
    public static Setting byHall(String hall) {
        return BY_HALL.get(hallKey(hall));
    }

    /** The setting a Hermann–Mauguin symbol names, or null. */
    public static Setting byHermannMauguin(String symbol) {
        String s = symbol.trim();
        String suffix = "";
        int colon = s.lastIndexOf(':');
        if (colon >= 0) {
            suffix = s.substring(colon + 1).trim().toUpperCase(Locale.ROOT);
            s = s.substring(0, colon);
        }
        String key = symbolKey(s);
        if (!suffix.isEmpty()) {
            return BY_SYMBOL.get(key + ":" + suffix);
        }
        return BY_SYMBOL.get(key);
    }

    /** The first (standard) setting of an International Tables number 1..230, or null. */
    public static Setting byNumber(int number) {
        return BY_NUMBER.get(number);
    }

    static String hallKey(String hall) {
        return hall.trim().replaceAll("\\s+", " ").toUpperCase(Locale.ROOT);
    }

    static String symbolKey(String hm) {
        return hm.replaceAll("[\\s_]", "").toUpperCase(Locale.ROOT);
    }
}
