package org.persite.structure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.persite.TestVectors;

/**
 * The dialects real databases and programs write, each in a small file written for the test: what pymatgen reads is
 * read (with a warning saying what was assumed), and what cannot be read honestly is refused with the line.
 */
class DialectTest {

    static ParseResult one(String name, Format f, String text) {
        List<ParseResult> r = TestVectors.READER.read(name, f, text);
        assertEquals(1, r.size());
        return r.get(0);
    }

    static ParseResult.Parsed parsed(String name, Format f, String text) {
        ParseResult r = one(name, f, text);
        assertTrue(r instanceof ParseResult.Parsed, name + ": " + r);
        return (ParseResult.Parsed) r;
    }

    static StructureException failed(String name, Format f, String text) {
        ParseResult r = one(name, f, text);
        assertTrue(r instanceof ParseResult.Failed, name + " should be refused: " + r);
        return ((ParseResult.Failed) r).error();
    }

    static final String CELL = """
            data_x
            _cell_length_a 5.0
            _cell_length_b 6.0
            _cell_length_c 7.0
            _cell_angle_alpha 90
            _cell_angle_beta 100
            _cell_angle_gamma 90
            """;

    @Test
    void icsdDotsAreZeros() {
        ParseResult.Parsed p = parsed("icsd.cif", Format.CIF, CELL + """
                loop_
                _atom_site_label
                _atom_site_type_symbol
                _atom_site_symmetry_multiplicity
                _atom_site_Wyckoff_symbol
                _atom_site_fract_x
                _atom_site_fract_y
                _atom_site_fract_z
                Mn1 Mn2+ 1 a . . .
                O1 O2- 1 a 0.5 . 0.5
                """);
        Structure s = p.value().structure();
        assertEquals("MnO", s.formula());
        assertEquals(0, s.frac(0, 0));
        assertEquals(0, s.frac(1, 1));
        assertEquals(4, p.warnings().size(), p.warnings().toString());
        assertTrue(p.warnings().get(0).contains("_atom_site_fract_x of site Mn1 is '.', read as 0"), p.warnings().get(0));
        // '?' is still unknown: refused
        StructureException e = failed("unknown.cif", Format.CIF, CELL + "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n"
                + "_atom_site_fract_z\nMn1 ? 0 0\n");
        assertTrue(e.getMessage().contains("is unknown ('?')"), e.getMessage());
    }

    @Test
    void aQuotedValueOverSeveralLinesIsOneValue() {
        ParseResult.Parsed p = parsed("crystallographica.cif", Format.CIF, CELL + """
                _chemical_name_mineral 'Copper
                  oxide, monoclinic'
                loop_
                _atom_site_label
                _atom_site_fract_x
                _atom_site_fract_y
                _atom_site_fract_z
                Cu1 0.1 0.2 0.3
                O1 0.4 0.2 0.3
                """);
        assertEquals("CuO", p.value().structure().formula());
        assertTrue(p.warnings().get(0).contains(":8: a quoted value runs over 2 lines"), p.warnings().toString());
        // a bare last item after the atom sites (a trailing _eof) is ignored, as pymatgen does; before them it is truncation
        ParseResult.Parsed eof = parsed("eof.cif", Format.CIF, CELL + "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n"
                + "_atom_site_fract_z\nCu1 0.1 0.2 0.3\n\n_eof\n");
        assertTrue(eof.warnings().get(0).contains("item _eof at the end of the file has no value; ignored"), eof.warnings().toString());
        assertTrue(failed("cut.cif", Format.CIF, CELL + "_cell_formula_units_Z\n").getMessage().contains("truncated"));
        // a quote that never closes before the next tag is still a clear syntax error
        StructureException e = failed("open.cif", Format.CIF, CELL + "_chemical_name_mineral 'Copper\n_atom_site_dummy x\n");
        assertEquals(ErrorKind.SYNTAX, e.kind());
        assertTrue(e.getMessage().contains("not closed on its line"), e.getMessage());
    }

    @Test
    void cartesianSitesAreConvertedWithTheCell() {
        // two sites 1.5 Å and 2.0 Å along x and y from a site at (1, 1, 1) Å, inside a monoclinic cell
        ParseResult.Parsed p = parsed("openbabel.cif", Format.CIF, CELL + """
                loop_
                _atom_site_label
                _atom_site_type_symbol
                _atom_site_Cartn_x
                _atom_site_Cartn_y
                _atom_site_Cartn_z
                C1 C 1.0 1.0 1.0
                O1 O 2.5 1.0 1.0
                N1 N 1.0 3.0 1.0
                """);
        Structure s = p.value().structure();
        double[] c = s.cartesianCoordinates();
        assertEquals(1.5, dist(c, 0, 1), 1e-9, "distances do not depend on the Cartesian frame");
        assertEquals(2.0, dist(c, 0, 2), 1e-9);
        assertEquals(2.5, dist(c, 1, 2), 1e-9);
        assertTrue(p.warnings().get(0).contains("Cartesian"), p.warnings().toString());
    }

    /**
     * A file's own _atom_sites_Cartn_tran_matrix (x_c = M · x_f) is what its Cartesian sites mean. Here it puts a
     * along z, b along x and c along y: (0.8, 1.5, 0.3) Å is the fractional (0.1, 0.2, 0.3), worked by hand; the
     * default frame would read it as (0.267, 0.375, 0.06).
     */
    @Test
    void cartesianSitesFollowTheFilesOwnTransformMatrix() {
        String cell = """
                data_frame
                _cell_length_a 3
                _cell_length_b 4
                _cell_length_c 5
                _cell_angle_alpha 90
                _cell_angle_beta 90
                _cell_angle_gamma 90
                """;
        String matrix = """
                _atom_sites_Cartn_tran_matrix_11 0
                _atom_sites_Cartn_tran_matrix_12 4
                _atom_sites_Cartn_tran_matrix_13 0
                _atom_sites_Cartn_tran_matrix_21 0
                _atom_sites_Cartn_tran_matrix_22 0
                _atom_sites_Cartn_tran_matrix_23 5
                _atom_sites_Cartn_tran_matrix_31 3
                _atom_sites_Cartn_tran_matrix_32 0
                _atom_sites_Cartn_tran_matrix_33 0
                """;
        String sites = """
                loop_
                _atom_site_label
                _atom_site_Cartn_x
                _atom_site_Cartn_y
                _atom_site_Cartn_z
                Fe1 0.8 1.5 0.3
                O1 2.0 2.5 1.5
                """;
        ParseResult.Parsed p = parsed("frame.cif", Format.CIF, cell + matrix + sites);
        Structure s = p.value().structure();
        double[][] want = {{0.1, 0.2, 0.3}, {0.5, 0.5, 0.5}};
        for (int i = 0; i < 2; i++) {
            for (int k = 0; k < 3; k++) {
                assertEquals(want[i][k], s.frac(i, k), 1e-12, "site " + i + " axis " + k);
            }
        }
        assertTrue(p.warnings().get(0).contains("_atom_sites_Cartn_tran_matrix"), p.warnings().toString());

        StructureException partial = failed("partial.cif", Format.CIF, cell + "_atom_sites_Cartn_tran_matrix_11 3\n" + sites);
        assertTrue(partial.getMessage().contains("gives 1 of its 9 elements"), partial.getMessage());
        StructureException singular = failed("singular.cif", Format.CIF, cell + matrix.replace("_33 0", "_33 0").replace("_31 3", "_31 0") + sites);
        assertTrue(singular.getMessage().contains("singular"), singular.getMessage());
    }

    private static double dist(double[] c, int i, int j) {
        double d2 = 0;
        for (int a = 0; a < 3; a++) {
            d2 += (c[3 * i + a] - c[3 * j + a]) * (c[3 * i + a] - c[3 * j + a]);
        }
        return Math.sqrt(d2);
    }

    @Test
    void theMinimumDistanceHasATolerance() {
        // 0.5 / 7 * 7 is not exactly 0.5 in floating point: the pair lies at the minimum, and is kept
        double z2 = 0.5 / 7;
        assertTrue(z2 * 7 != 0.5 || Math.ulp(0.5) > 0, "precondition");
        String poscar = "edge\n1.0\n7 0 0\n0 7 0\n0 0 7\nC\n2\nDirect\n0 0 0\n0 0 " + z2 + "\n";
        assertEquals(2, parsed("edge.vasp", Format.POSCAR, poscar).value().structure().size());
        // a pair just below is refused, and the message shows enough digits to see why
        String close = "close\n1.0\n7 0 0\n0 7 0\n0 0 7\nC\n2\nDirect\n0 0 0\n0 0 " + (0.49999 / 7) + "\n";
        StructureException e = failed("close.vasp", Format.POSCAR, close);
        assertEquals(ErrorKind.OVERLAPPING_ATOMS, e.kind());
        assertTrue(e.getMessage().contains("0.499990000 Å apart"), e.getMessage());
    }

    @Test
    void extendedXyzWithANonPeriodicAxisIsRefusedNotGuessed() {
        String frame = "2\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3 pbc=\"%s\"\nNa 0 0 0\nCl 2.5 2.5 2.5\n";
        StructureException e = failed("slab.extxyz", Format.EXTXYZ, String.format(frame, "T F F"));
        assertEquals(ErrorKind.UNSUPPORTED, e.kind());
        assertTrue(e.getMessage().contains(":2: pbc=\"T F F\"") && e.getMessage().contains("non-periodic axis is not supported"), e.getMessage());
        assertEquals(2, parsed("bulk.extxyz", Format.EXTXYZ, String.format(frame, "T T T")).value().structure().size());
    }

    @Test
    void selectiveDynamicsNeedsThreeFlags() {
        String head = "sd\n1.0\n5 0 0\n0 5 0\n0 0 5\nNa Cl\n1 1\nSelective dynamics\nDirect\n";
        StructureException e = failed("sd.vasp", Format.POSCAR, head + "0 0 0 T T T\n0.5 0.5 0.5 T F\n");
        assertEquals(ErrorKind.SYNTAX, e.kind());
        assertTrue(e.getMessage().contains(":11: selective dynamics: expected 3 flags"), e.getMessage());
        assertEquals(2, parsed("sd-ok.vasp", Format.POSCAR, head + "0 0 0 T T T\n0.5 0.5 0.5 T F F\n").value().structure().size());
    }

    @Test
    void vasp4SpeciesComeFromTheCommentLineOrTheFileIsRefused() {
        String body = "1.0\n4.2 0 0\n0 4.2 0\n0 0 4.2\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n";
        ParseResult.Parsed p = parsed("POSCAR", Format.POSCAR, "Mg2 O2\n" + body);
        assertEquals("MgO", p.value().structure().formula());
        assertTrue(p.warnings().get(0).contains("VASP 4") && p.warnings().get(0).contains("Mg O were read from the comment line"),
                p.warnings().toString());
        StructureException e = failed("POSCAR", Format.POSCAR, "rock salt, relaxed\n" + body);
        assertEquals(ErrorKind.MISSING, e.kind());
        assertTrue(e.getMessage().contains("does not name 2 elements"), e.getMessage());
    }

    /** Found by fuzzing (ReaderFuzzTest's poscar and extxyz findings): a finite coordinate 10^16 cells away overflowed the graph builder. */
    @Test
    void aCoordinateFarBeyondTheCellIsRefusedNotOverflowed() {
        StructureException e = failed("far.vasp", Format.POSCAR, "far\n1.0\n4 0 0\n0 4 0\n0 0 4\nK Cl\n1 1\nDirect\n0 0 0\n045010000000000000 0.5 0\n");
        assertEquals(ErrorKind.BAD_NUMBER, e.kind());
        assertTrue(e.getMessage().contains("fractional coordinate 4.50100e+16, more than 1e+06 cells from the origin"), e.getMessage());
        // a site a few cells out is fine: it is the same site as its image in the cell
        assertEquals(2, parsed("near.vasp", Format.POSCAR, "near\n1.0\n4 0 0\n0 4 0\n0 0 4\nK Cl\n1 1\nDirect\n0 0 0\n3.5 0.5 -2.5\n")
                .value().structure().size());
    }

    /** Found by fuzzing (the explicit path): a 1.9e307 Å lattice vector gave an infinite volume that passed the checks. */
    @Test
    void aCellWhoseVolumeOverflowsIsRefused() {
        StructureException e = failed("huge.vasp", Format.POSCAR, "huge\n1.0\n30 0 0\n0 30 0\n1.9e307 19 30\nCo\n2\nDirect\n0 0 0\n0.5 0 0\n");
        assertEquals(ErrorKind.BAD_CELL, e.kind());
        assertTrue(e.getMessage().contains("too large to compute with"), e.getMessage());
    }

    /** Found by fuzzing (poscar): a 3.5e17 Å cell edge overflowed the neighbour search's image offsets. */
    @Test
    void aCellEdgeLongerThanAnAtomisticCellIsRefused() {
        StructureException e = failed("long.vasp", Format.POSCAR, "long\n1.0\n346379999999999998 0.6 0\n2.6 0.07 0\n0 0 3.6\nK Cl\n1 1\nDirect\n0 0 0\n0 0.5 0.5\n");
        assertEquals(ErrorKind.BAD_CELL, e.kind());
        assertTrue(e.getMessage().contains("cell length a = 3.464e+17 Å is longer than 1e+06 Å"), e.getMessage());
    }
}
