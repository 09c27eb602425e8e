package org.persite.structure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Expands a Hall symbol (S. R. Hall, Acta Cryst. A37, 517 (1981); the explicit rules as R. W. Grosse-Kunstleve
 * wrote them down for cctbx's sgtbx, Acta Cryst. A55, 383 (1999)) into the space group's operations, so that a
 * CIF that names its space group but lists no operations can still be expanded to P1.
 *
 * <p>A symbol is {@code [-]L N1 [N2 [N3]] [(vx vy vz)]}: the lattice L (P A B C I R S T F, its centring
 * translations), {@code -} for a centre of inversion at the origin, up to three rotations N = {@code [-]n[axis][translations]},
 * and an origin shift in twelfths. A rotation's axis is x, y, z, or ', " (face diagonals, relative to the axis
 * before) or * (the body diagonal); left out, it is z for the first, x (after a 2 or 4) or ' (after a 3 or 6) for
 * a second 2-fold, and * for a 3-fold third. Translations are a b c n u v w d, and a digit after n is a screw
 * (41: 1/4 along the axis). All translations are kept in twelfths, exact, modulo 1.
 */
public final class HallSymbol {
    private HallSymbol() {
    }

    /** One operation: x' = R x + t, with R [3][3] row-major and t in twelfths of a cell edge, each in 0..11. */
    public record Operation(int[] r, int[] t12) {
        /** The operation as SymmetryOperation parses it, for example {@code -x+1/2,y,-z+1/2}. */
        public String xyz() {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                StringBuilder row = new StringBuilder();
                for (int j = 0; j < 3; j++) {
                    int c = r[3 * i + j];
                    if (c == 1) {
                        row.append(row.isEmpty() ? "" : "+").append("xyz".charAt(j));
                    } else if (c == -1) {
                        row.append('-').append("xyz".charAt(j));
                    } else if (c != 0) {
                        throw new IllegalStateException("a rotation entry " + c);
                    }
                }
                int num = t12[i];
                if (num != 0) {
                    int g = gcd(num, 12);
                    row.append('+').append(num / g).append('/').append(12 / g);
                }
                out.append(i == 0 ? "" : ",").append(row);
            }
            return out.toString();
        }

        Operation times(Operation o) { // this ∘ o: R1 (R2 x + t2) + t1
            int[] rr = new int[9];
            int[] tt = new int[3];
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    int acc = 0;
                    for (int k = 0; k < 3; k++) {
                        acc += r[3 * i + k] * o.r[3 * k + j];
                    }
                    rr[3 * i + j] = acc;
                }
                int acc = t12[i];
                for (int k = 0; k < 3; k++) {
                    acc += r[3 * i + k] * o.t12[k];
                }
                tt[i] = Math.floorMod(acc, 12);
            }
            return new Operation(rr, tt);
        }

        String key() {
            return java.util.Arrays.toString(r) + java.util.Arrays.toString(t12);
        }
    }

    private static final int[] IDENTITY = {1, 0, 0, 0, 1, 0, 0, 0, 1};

    /** Rotation matrices for n = 2, 3, 4, 6 about x, y, z (Hall's Table 3). */
    private static final Map<String, int[]> PRINCIPAL = new LinkedHashMap<>();
    /** 2-fold rotations about face diagonals (' and ", relative to the preceding axis) and the 3-fold body diagonal. */
    private static final Map<String, int[]> DIAGONAL = new LinkedHashMap<>();

    static {
        PRINCIPAL.put("2x", new int[] {1, 0, 0, 0, -1, 0, 0, 0, -1});
        PRINCIPAL.put("3x", new int[] {1, 0, 0, 0, 0, -1, 0, 1, -1});
        PRINCIPAL.put("4x", new int[] {1, 0, 0, 0, 0, -1, 0, 1, 0});
        PRINCIPAL.put("6x", new int[] {1, 0, 0, 0, 1, -1, 0, 1, 0});
        PRINCIPAL.put("2y", new int[] {-1, 0, 0, 0, 1, 0, 0, 0, -1});
        PRINCIPAL.put("3y", new int[] {-1, 0, 1, 0, 1, 0, -1, 0, 0});
        PRINCIPAL.put("4y", new int[] {0, 0, 1, 0, 1, 0, -1, 0, 0});
        PRINCIPAL.put("6y", new int[] {0, 0, 1, 0, 1, 0, -1, 0, 1});
        PRINCIPAL.put("2z", new int[] {-1, 0, 0, 0, -1, 0, 0, 0, 1});
        PRINCIPAL.put("3z", new int[] {0, -1, 0, 1, -1, 0, 0, 0, 1});
        PRINCIPAL.put("4z", new int[] {0, -1, 0, 1, 0, 0, 0, 0, 1});
        PRINCIPAL.put("6z", new int[] {1, -1, 0, 1, 0, 0, 0, 0, 1});
        DIAGONAL.put("2'x", new int[] {-1, 0, 0, 0, 0, -1, 0, -1, 0});
        DIAGONAL.put("2\"x", new int[] {-1, 0, 0, 0, 0, 1, 0, 1, 0});
        DIAGONAL.put("2'y", new int[] {0, 0, -1, 0, -1, 0, -1, 0, 0});
        DIAGONAL.put("2\"y", new int[] {0, 0, 1, 0, -1, 0, 1, 0, 0});
        DIAGONAL.put("2'z", new int[] {0, -1, 0, -1, 0, 0, 0, 0, -1});
        DIAGONAL.put("2\"z", new int[] {0, 1, 0, 1, 0, 0, 0, 0, -1});
        DIAGONAL.put("3*", new int[] {0, 0, 1, 1, 0, 0, 0, 1, 0});
    }

    /** Centring translations of each lattice symbol, in twelfths. */
    private static int[][] centring(char l) {
        return switch (l) {
            case 'P' -> new int[][] {};
            case 'A' -> new int[][] {{0, 6, 6}};
            case 'B' -> new int[][] {{6, 0, 6}};
            case 'C' -> new int[][] {{6, 6, 0}};
            case 'I' -> new int[][] {{6, 6, 6}};
            case 'R' -> new int[][] {{8, 4, 4}, {4, 8, 8}};
            case 'S' -> new int[][] {{4, 4, 8}, {8, 8, 4}};
            case 'T' -> new int[][] {{4, 8, 4}, {8, 4, 8}};
            case 'F' -> new int[][] {{0, 6, 6}, {6, 0, 6}, {6, 6, 0}};
            default -> throw new IllegalArgumentException("unknown lattice symbol '" + l + "'");
        };
    }

    /**
     * The operations of the group a Hall symbol names, identity first, translations modulo 1.
     *
     * @throws IllegalArgumentException for a symbol that is not a valid Hall symbol, with the reason
     */
    public static List<Operation> operations(String hall) {
        String s = hall.trim();
        List<String> tokens = new ArrayList<>();
        int[] shift = {0, 0, 0};
        int paren = s.indexOf('(');
        if (paren >= 0) {
            int close = s.indexOf(')', paren);
            if (close < 0) {
                throw new IllegalArgumentException("Hall symbol '" + hall + "': origin shift not closed");
            }
            String[] v = s.substring(paren + 1, close).trim().split("\\s+");
            if (v.length != 3) {
                throw new IllegalArgumentException("Hall symbol '" + hall + "': origin shift needs 3 numbers");
            }
            for (int i = 0; i < 3; i++) {
                shift[i] = Integer.parseInt(v[i]);
            }
            s = s.substring(0, paren).trim();
        }
        for (String t : s.split("\\s+")) {
            if (!t.isEmpty()) {
                tokens.add(t);
            }
        }
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("an empty Hall symbol");
        }
        String lattice = tokens.get(0);
        boolean centric = lattice.startsWith("-");
        if (centric) {
            lattice = lattice.substring(1);
        }
        if (lattice.length() != 1) {
            throw new IllegalArgumentException("Hall symbol '" + hall + "': the lattice symbol must be one letter, got '" + lattice + "'");
        }
        List<Operation> generators = new ArrayList<>();
        for (int[] c : centring(Character.toUpperCase(lattice.charAt(0)))) {
            generators.add(new Operation(IDENTITY.clone(), c.clone()));
        }
        if (centric) {
            generators.add(new Operation(new int[] {-1, 0, 0, 0, -1, 0, 0, 0, -1}, new int[3]));
        }
        int previousN = 0;
        char previousAxis = 0;
        for (int k = 1; k < tokens.size(); k++) {
            String tok = tokens.get(k);
            int p = 0;
            boolean improper = tok.charAt(p) == '-';
            if (improper) {
                p++;
            }
            if (p >= tok.length() || "12346".indexOf(tok.charAt(p)) < 0) {
                throw new IllegalArgumentException("Hall symbol '" + hall + "': '" + tok + "' is not a rotation (1, 2, 3, 4 or 6)");
            }
            int n = tok.charAt(p++) - '0';
            int screw = 0;
            if (p < tok.length() && Character.isDigit(tok.charAt(p))) {
                screw = tok.charAt(p++) - '0';
                if (screw >= n) {
                    throw new IllegalArgumentException("Hall symbol '" + hall + "': screw " + n + screw + " is not valid");
                }
            }
            char axis = 0;
            if (p < tok.length() && "xyz'\"*".indexOf(tok.charAt(p)) >= 0) {
                axis = tok.charAt(p++);
            }
            if (axis == 0) { // the default axes
                if (k == 1) {
                    axis = 'z';
                } else if (k == 2 && n == 2) {
                    axis = previousN == 2 || previousN == 4 ? 'x' : '\'';
                } else if (k == 3 && n == 3) {
                    axis = '*';
                } else if (n != 1) {
                    throw new IllegalArgumentException("Hall symbol '" + hall + "': rotation '" + tok + "' needs an axis");
                }
            }
            int[] r;
            char principal;
            if (n == 1) {
                r = IDENTITY.clone();
                principal = 'z';
            } else if (axis == '*') {
                if (n != 3) {
                    throw new IllegalArgumentException("Hall symbol '" + hall + "': only a 3-fold lies on the body diagonal");
                }
                r = DIAGONAL.get("3*").clone();
                principal = 0;
            } else if (axis == '\'' || axis == '"') {
                if (n != 2) {
                    throw new IllegalArgumentException("Hall symbol '" + hall + "': only a 2-fold lies on a face diagonal");
                }
                char ref = previousAxis == 0 ? 'z' : previousAxis;
                r = DIAGONAL.get("2" + axis + ref).clone();
                principal = 0;
            } else {
                r = PRINCIPAL.get(n + "" + axis).clone();
                principal = axis;
            }
            int[] t = new int[3];
            if (screw > 0) {
                if (principal == 0) {
                    throw new IllegalArgumentException("Hall symbol '" + hall + "': a screw needs a principal axis");
                }
                t["xyz".indexOf(principal)] += 12 * screw / n;
            }
            for (; p < tok.length(); p++) {
                switch (tok.charAt(p)) {
                    case 'a' -> t[0] += 6;
                    case 'b' -> t[1] += 6;
                    case 'c' -> t[2] += 6;
                    case 'n' -> {
                        t[0] += 6;
                        t[1] += 6;
                        t[2] += 6;
                    }
                    case 'u' -> t[0] += 3;
                    case 'v' -> t[1] += 3;
                    case 'w' -> t[2] += 3;
                    case 'd' -> {
                        t[0] += 3;
                        t[1] += 3;
                        t[2] += 3;
                    }
                    default -> throw new IllegalArgumentException("Hall symbol '" + hall + "': unknown translation '" + tok.charAt(p) + "' in '"
                            + tok + "'");
                }
            }
            if (improper) {
                for (int i = 0; i < 9; i++) {
                    r[i] = -r[i];
                }
            }
            for (int i = 0; i < 3; i++) {
                t[i] = Math.floorMod(t[i], 12);
            }
            generators.add(new Operation(r, t));
            if (n != 1) {
                previousN = n;
                if (principal != 0) {
                    previousAxis = principal;
                }
            }
        }
        List<Operation> group = closure(generators);
        if (shift[0] != 0 || shift[1] != 0 || shift[2] != 0) { // t' = t + V - R V
            List<Operation> moved = new ArrayList<>();
            for (Operation o : group) {
                int[] t = new int[3];
                for (int i = 0; i < 3; i++) {
                    int rv = 0;
                    for (int j = 0; j < 3; j++) {
                        rv += o.r()[3 * i + j] * shift[j];
                    }
                    t[i] = Math.floorMod(o.t12()[i] + shift[i] - rv, 12);
                }
                moved.add(new Operation(o.r(), t));
            }
            group = moved;
        }
        return group;
    }

    /** The smallest set with the identity and the generators that is closed under composition (translations mod 1). */
    static List<Operation> closure(List<Operation> generators) {
        Map<String, Operation> group = new LinkedHashMap<>();
        Operation id = new Operation(IDENTITY.clone(), new int[3]);
        group.put(id.key(), id);
        List<Operation> frontier = new ArrayList<>(List.of(id));
        while (!frontier.isEmpty()) {
            List<Operation> next = new ArrayList<>();
            for (Operation a : frontier) {
                for (Operation g : generators) {
                    Operation c = g.times(a);
                    if (group.putIfAbsent(c.key(), c) == null) {
                        next.add(c);
                    }
                }
            }
            frontier = next;
            if (group.size() > 192) {
                throw new IllegalArgumentException("the generators do not close within 192 operations: not a space group");
            }
        }
        return List.copyOf(group.values());
    }

    private static int gcd(int a, int b) {
        return b == 0 ? Math.abs(a) : gcd(b, a % b);
    }

    /** For messages. */
    static String describe(List<Operation> ops) {
        return ops.size() + " operations: " + String.join("; ", ops.stream().map(Operation::xyz).toList()).toLowerCase(Locale.ROOT);
    }
}
