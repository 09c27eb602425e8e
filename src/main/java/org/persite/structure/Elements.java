package org.persite.structure;

import java.util.HashMap;
import java.util.Map;

/** Chemical element symbols and atomic numbers (Z = 1..118). */
public final class Elements {
    private static final String[] SYMBOLS = {
        "", "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S", "Cl", "Ar",
        "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr",
        "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I", "Xe",
        "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu",
        "Hf", "Ta", "W", "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn",
        "Fr", "Ra", "Ac", "Th", "Pa", "U", "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr",
        "Rf", "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og"
    };
    private static final Map<String, Integer> BY_SYMBOL = new HashMap<>();

    static {
        for (int z = 1; z < SYMBOLS.length; z++) {
            BY_SYMBOL.put(SYMBOLS[z], z);
        }
    }

    /** The highest atomic number known here. */
    public static final int MAX_Z = SYMBOLS.length - 1;

    private Elements() {
    }

    /** Atomic number of an exact symbol ("Fe"), or -1 if there is no such element. */
    public static int atomicNumber(String symbol) {
        Integer z = BY_SYMBOL.get(symbol);
        return z == null ? -1 : z;
    }

    /** Symbol of atomic number {@code z}. */
    public static String symbol(int z) {
        if (z < 1 || z > MAX_Z) {
            throw new IllegalArgumentException("no element with Z=" + z);
        }
        return SYMBOLS[z];
    }

    /**
     * The element named at the start of a crystallographic token: a type symbol with an oxidation state
     * ("Na1+", "O2-"), a site label ("Fe12", "OW1") or a VASP potential name ("Fe_pv"). Case is normalised
     * ("FE" and "fe" give Fe). Two letters are taken when they form an element, otherwise one.
     *
     * @return the atomic number, or -1 when the token does not start with an element symbol
     */
    public static int parseLeadingSymbol(String token) {
        if (token.isEmpty() || !Character.isLetter(token.charAt(0))) {
            return -1;
        }
        char first = Character.toUpperCase(token.charAt(0));
        if (token.length() > 1 && Character.isLetter(token.charAt(1))) {
            String two = "" + first + Character.toLowerCase(token.charAt(1));
            int z = atomicNumber(two);
            if (z > 0) {
                // A third letter would make this a word (e.g. "Cobalt"), not a symbol.
                if (token.length() == 2 || !Character.isLowerCase(token.charAt(2))) {
                    return z;
                }
            }
        }
        if (token.length() > 1 && Character.isLowerCase(token.charAt(1))) {
            return -1; // e.g. "Xx": a two-letter symbol that is not an element
        }
        return atomicNumber(String.valueOf(first));
    }
}
