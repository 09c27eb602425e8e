package org.persite.structure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.persite.TestVectors;
import org.persite.graph.CellListOverlapFinder;

class LimitsAndLatticeTest {

    @Test
    void theAtomLimitIsConfigurable() {
        var file = TestVectors.input("edge-rocksalt-supercell-216.cif");
        assertEquals(216, TestVectors.parseOne(file).size());
        StructureReader small = new StructureReader(StructureLimits.DEFAULTS.withMaxAtoms(100), CellListOverlapFinder.INSTANCE);
        StructureException e = assertInstanceOf(ParseResult.Failed.class, small.readFile(file, Format.AUTO).get(0)).error();
        assertEquals(ErrorKind.TOO_MANY_ATOMS, e.kind());
    }

    @Test
    void elementsBeyondTheTableAreRefused() {
        var file = TestVectors.input("cod-9009743.cif"); // CsCl
        StructureReader upToXe = new StructureReader(StructureLimits.DEFAULTS.withMaxAtomicNumber(54), CellListOverlapFinder.INSTANCE);
        StructureException e = assertInstanceOf(ParseResult.Failed.class, upToXe.readFile(file, Format.AUTO).get(0)).error();
        assertEquals(ErrorKind.UNKNOWN_ELEMENT, e.kind());
    }

    @Test
    void aSiteTooCloseToItsOwnImageIsAnOverlap() {
        StructureException e = Readers.error("tiny.cif", "data_t\n_cell_length_a 0.4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n"
                + "_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nH 0 0 0\n");
        assertEquals(ErrorKind.OVERLAPPING_ATOMS, e.kind());
    }

    @Test
    void latticeFromParametersHandComputed() {
        // hexagonal a = 3, c = 5: volume = a^2 c sin(120°)
        Lattice h = Lattice.fromParameters(3, 3, 5, 90, 90, 120);
        assertEquals(9 * 5 * Math.sqrt(3) / 2, h.volume(), 1e-9);
        double[] ang = h.angles();
        assertEquals(120, ang[2], 1e-9);
        // perpendicular width across a = V / |b x c| = a sin(120°)
        assertEquals(3 * Math.sqrt(3) / 2, h.perpendicularWidths()[0], 1e-9);
        double[] f = new double[3];
        double[] c = new double[3];
        h.toCartesian(0.25, 0.5, 0.75, c, 0);
        h.toFractional(c[0], c[1], c[2], f, 0);
        assertEquals(0.25, f[0], 1e-12);
        assertEquals(0.5, f[1], 1e-12);
        assertEquals(0.75, f[2], 1e-12);
    }

    @Test
    void degenerateLatticesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Lattice.ofRows(new double[] {1, 0, 0, 2, 0, 0, 0, 0, 1}));
        assertThrows(IllegalArgumentException.class, () -> Lattice.ofRows(new double[] {1, 0, 0, 0, Double.NaN, 0, 0, 0, 1}));
        // left-handed is fine and has a positive volume
        assertEquals(8, Lattice.ofRows(new double[] {2, 0, 0, 0, -2, 0, 0, 0, 2}).volume(), 1e-12);
    }

    @Test
    void elementSymbols() {
        assertEquals(11, Elements.parseLeadingSymbol("Na1+"));
        assertEquals(8, Elements.parseLeadingSymbol("O2-"));
        assertEquals(27, Elements.parseLeadingSymbol("Co12"));
        assertEquals(8, Elements.parseLeadingSymbol("OW1"));
        assertEquals(26, Elements.parseLeadingSymbol("FE"));
        assertEquals(-1, Elements.parseLeadingSymbol("Xx1+"));
        assertEquals(-1, Elements.parseLeadingSymbol("1abc"));
    }
}
