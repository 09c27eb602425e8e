package org.persite.structure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CifReaderTest {

    private static String cell(double a, double b, double c, double al, double be, double ga) {
        return "_cell_length_a " + a + "\n_cell_length_b " + b + "\n_cell_length_c " + c + "\n_cell_angle_alpha " + al
                + "\n_cell_angle_beta " + be + "\n_cell_angle_gamma " + ga + "\n";
    }

    private static final String CUBIC4 = cell(4, 4, 4, 90, 90, 90);

    private static String atoms(String... rows) {
        return "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
                + String.join("\n", rows) + "\n";
    }

    @Test
    void readsUncertaintiesQuotesAndTextFields() {
        String cif = "data_x\n"
                + "_publ_section_title\n;\nA title; with a semicolon\nand 'quotes' _and_tags\n;\n"
                + "_chemical_name_systematic 'Sodium chloride'\n"
                + "_journal_name_full \"Acta Cryst. 'B'\"\n"
                + "_cell_length_a 5.62(3)\n_cell_length_b 5.62(3)\n_cell_length_c 5.620(12)\n"
                + "_cell_angle_alpha 90\n_cell_angle_beta 90.0(0)\n_cell_angle_gamma 90.\n"
                + "loop_\n_publ_author_name\n'Abrahams, S C'\n'Bernstein, J L'\n"
                + atoms("Na1 Na 0 0 0", "Cl1 Cl 0.5(1) 0.5 0.5");
        Structure s = Readers.one("x.cif", cif);
        assertEquals(5.62, s.lattice().lengths()[0], 1e-12);
        assertEquals(5.62, s.lattice().lengths()[2], 1e-12);
        assertEquals(2, s.size());
        assertEquals(0.5, s.frac(1, 0), 0);
    }

    @Test
    void expandsSymmetryFromEitherTagAndMergesSpecialPositions() {
        String ops = "loop_\n_space_group_symop_id\n_space_group_symop_operation_xyz\n1 'x, y, z'\n2 '-x, -y, -z'\n";
        // a general position gives two sites; the origin and (1/2, 0, 0) are their own images under inversion
        Structure s = Readers.one("p-1.cif", "data_p-1\n" + CUBIC4 + ops + atoms("Fe1 Fe 0.1 0.2 0.3", "O1 O 0 0 0", "O2 O 0.5 0 0"));
        assertEquals(4, s.size());
        assertEquals(0.9, s.frac(1, 0), 1e-12);
        assertEquals(0.8, s.frac(1, 1), 1e-12);
        assertEquals(0.7, s.frac(1, 2), 1e-12);

        String oldOps = "loop_\n_symmetry_equiv_pos_as_xyz\nx,y,z\n-x,-y,-z\n";
        Structure t = Readers.one("p-1-old.cif", "data_p-1\n" + CUBIC4 + oldOps + atoms("Fe1 Fe 0.1 0.2 0.3", "O1 O 0 0 0", "O2 O 0.5 0 0"));
        assertEquals(4, t.size());
    }

    @Test
    void mergesImagesWithinTheToleranceOnly() {
        String ops = "loop_\n_symmetry_equiv_pos_as_xyz\nx,y,z\n-x,-y,-z\n";
        // images 0.004 Å apart are one site (merge tolerance 0.01 Å)
        assertEquals(1, Readers.one("m.cif", "data_m\n" + CUBIC4 + ops + atoms("Fe1 Fe 0.0005 0 0")).size());
        // images 0.08 Å apart are two sites, which then overlap and are refused
        StructureException e = Readers.error("m2.cif", "data_m\n" + CUBIC4 + ops + atoms("Fe1 Fe 0.01 0 0"));
        assertEquals(ErrorKind.OVERLAPPING_ATOMS, e.kind());
    }

    @Test
    void fractionalTranslationsInOperations() {
        // body centring written three ways
        String ops = "loop_\n_symmetry_equiv_pos_as_xyz\n'x,y,z'\n'1/2+x,1/2+y,1/2+z'\n";
        Structure s = Readers.one("bcc.cif", "data_bcc\n" + cell(2.87, 2.87, 2.87, 90, 90, 90) + ops + atoms("Fe1 Fe 0 0 0"));
        assertEquals(2, s.size());
        for (int k = 0; k < 3; k++) {
            assertEquals(0.5, s.frac(1, k), 1e-12);
        }
        String ops2 = "loop_\n_symmetry_equiv_pos_as_xyz\n'x,y,z'\n'x+0.5,y+1/2,z+.5'\n";
        assertEquals(2, Readers.one("bcc2.cif", "data_bcc\n" + cell(2.87, 2.87, 2.87, 90, 90, 90) + ops2 + atoms("Fe1 Fe 0 0 0")).size());
    }

    @Test
    void typeSymbolsWithOxidationStatesAndLabelFallback() {
        Structure s = Readers.one("ox.cif", "data_ox\n" + CUBIC4 + atoms("Fe1 Fe2+ 0 0 0", "O1 O2- 0.5 0.5 0.5", "Na1 Na1+ 0.5 0 0"));
        assertEquals("Fe", s.species(0));
        assertEquals("O", s.species(1));
        assertEquals("Na", s.species(2));
        assertEquals("Fe1", s.label(0));
        String labelsOnly = "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nCo12 0 0 0\nO3 0.5 0.5 0.5\n";
        Structure t = Readers.one("labels.cif", "data_l\n" + CUBIC4 + labelsOnly);
        assertEquals("Co", t.species(0));
        assertEquals("O", t.species(1));
    }

    @Test
    void aBadTypeSymbolIsAnErrorEvenWithAGoodLabel() {
        StructureException e = Readers.error("xx.cif", "data_x\n" + CUBIC4 + atoms("Na1 Xx 0 0 0"));
        assertEquals(ErrorKind.UNKNOWN_ELEMENT, e.kind());
        assertEquals(14, e.line());
    }

    @Test
    void severalDataBlocksGiveOneStructureEachAndABadBlockLosesNothing() {
        String good = CUBIC4 + atoms("Fe1 Fe 0 0 0");
        String cif = "data_first\n" + good + "data_second\n" + CUBIC4 + atoms("Fe1 Fe 0 0 0 ", "Fe2 Fe 0.01 0 0") + "data_third\n" + good;
        List<ParseResult> r = Readers.read("multi.cif", cif);
        assertEquals(3, r.size());
        assertEquals("multi.cif#first", assertInstanceOf(ParseResult.Parsed.class, r.get(0)).value().structure().source());
        StructureException e = assertInstanceOf(ParseResult.Failed.class, r.get(1)).error();
        assertEquals("multi.cif#second", e.source());
        assertEquals(ErrorKind.OVERLAPPING_ATOMS, e.kind());
        assertEquals("multi.cif#third", assertInstanceOf(ParseResult.Parsed.class, r.get(2)).value().structure().source());
    }

    @Test
    void aSyntaxErrorKeepsTheBlocksBeforeIt() {
        String cif = "data_a\n" + CUBIC4 + atoms("Fe1 Fe 0 0 0") + "data_b\n_cell_length_a 'unclosed\n";
        List<ParseResult> r = Readers.read("syn.cif", cif);
        assertEquals(2, r.size());
        assertInstanceOf(ParseResult.Parsed.class, r.get(0));
        StructureException e = assertInstanceOf(ParseResult.Failed.class, r.get(1)).error();
        assertEquals(ErrorKind.SYNTAX, e.kind());
        assertEquals(16, e.line());
    }

    @Test
    void partialOccupancyIsDisorder() {
        String rows = "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
                + "_atom_site_occupancy\nFe1 Fe 0 0 0 1.0\nMn1 Mn 0.5 0.5 0.5 0.75(2)\n";
        StructureException e = Readers.error("d.cif", "data_d\n" + CUBIC4 + rows);
        assertEquals(ErrorKind.DISORDER, e.kind());
        assertTrue(e.reason().contains("Mn1"), e.reason());
    }

    @Test
    void aNamedSpaceGroupWithoutOperationsIsBuiltFromItsSymbolAndAnUnknownOneRefused() {
        // the symbol is expanded (Fm-3m: Na at the origin gives the 4 face-centred sites); see CifSpaceGroupTest
        assertEquals(4, Readers.one("fm3m.cif", "data_x\n_symmetry_space_group_name_H-M 'F m -3 m'\n" + CUBIC4 + atoms("Na1 Na 0 0 0")).size());
        StructureException e = Readers.error("fm3q.cif", "data_x\n_symmetry_space_group_name_H-M 'F m -3 q'\n" + CUBIC4 + atoms("Na1 Na 0 0 0"));
        assertEquals(ErrorKind.UNSUPPORTED, e.kind());
        // no operations and no space group name, or P 1: the sites are taken as they are
        assertEquals(1, Readers.one("p1.cif", "data_x\n_symmetry_space_group_name_H-M 'P 1'\n" + CUBIC4 + atoms("Na1 Na 0 0 0")).size());
        assertEquals(1, Readers.one("none.cif", "data_x\n" + CUBIC4 + atoms("Na1 Na 0 0 0")).size());
    }

    @Test
    void unknownValuesAndMissingTags() {
        assertEquals(ErrorKind.MISSING, Readers.error("q.cif", "data_x\n" + CUBIC4 + atoms("Na1 Na ? 0 0")).kind());
        assertEquals(ErrorKind.MISSING, Readers.error("c.cif", "data_x\n" + cell(4, 4, 4, 90, 90, 90).replace("_cell_angle_beta 90.0\n", "") + atoms("Na1 Na 0 0 0")).kind());
        assertEquals(ErrorKind.SYNTAX, Readers.error("loop.cif", "data_x\n" + CUBIC4 + atoms("Na1 Na 0 0")).kind());
    }

    @Test
    void impossibleAnglesAreADegenerateCell() {
        StructureException e = Readers.error("flat.cif", "data_x\n" + cell(4, 4, 4, 150, 150, 150) + atoms("Na1 Na 0 0 0"));
        assertEquals(ErrorKind.BAD_CELL, e.kind());
    }

    @Test
    void labelsAreOptional() {
        String rows = "loop_\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nFe 0 0 0\n";
        assertNull(Readers.one("nolabel.cif", "data_x\n" + CUBIC4 + rows).label(0));
    }
}
