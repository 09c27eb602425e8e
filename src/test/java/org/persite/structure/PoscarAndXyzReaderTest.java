package org.persite.structure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.List;
import org.junit.jupiter.api.Test;

class PoscarAndXyzReaderTest {

    @Test
    void poscarDirectWithSelectiveDynamicsAndPotentialNames() {
        String p = "rutile\n1.0\n4.59 0 0\n0 4.59 0\n0 0 2.96\nTi_pv O\n2 4\nSelective dynamics\nDirect\n"
                + "0 0 0 T T T\n0.5 0.5 0.5 F F F\n0.3 0.3 0 T T T\n0.7 0.7 0 T T T\n0.8 0.2 0.5 T T T\n0.2 0.8 0.5 T T T\n";
        Structure s = Readers.one("POSCAR", p);
        assertEquals(6, s.size());
        assertEquals("Ti", s.species(1));
        assertEquals("O", s.species(2));
        assertEquals(0.3, s.frac(2, 0), 1e-12);
    }

    @Test
    void poscarCartesianIsScaled() {
        String p = "bcc Fe\n2.0\n1.435 0 0\n0 1.435 0\n0 0 1.435\nFe\n2\nCartesian\n0 0 0\n0.7175 0.7175 0.7175\n";
        Structure s = Readers.one("CONTCAR", p);
        assertEquals(2.87, s.lattice().lengths()[0], 1e-12);
        for (int k = 0; k < 3; k++) {
            assertEquals(0.5, s.frac(1, k), 1e-12);
        }
    }

    @Test
    void negativeScaleIsTheVolume() {
        String p = "x\n-27.0\n1 0 0\n0 1 0\n0 0 1\nCu\n1\nDirect\n0 0 0\n";
        Structure s = Readers.one("POSCAR", p);
        assertEquals(27.0, s.lattice().volume(), 1e-9);
        assertEquals(3.0, s.lattice().lengths()[0], 1e-12);
    }

    @Test
    void poscarProblemsNameTheLine() {
        StructureException e = Readers.error("POSCAR", "x\n1.0\n4 0 0\n0 4 0\n0 0 4\nFe Qq\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n");
        assertEquals(ErrorKind.UNKNOWN_ELEMENT, e.kind());
        assertEquals(6, e.line());
        StructureException f = Readers.error("POSCAR", "x\n1.0\n4 0 0\n0 4 0\n0 0 4\nFe O\n1 1\nDirect\n0 0 0\n0.5 abc 0.5\n");
        assertEquals(ErrorKind.BAD_NUMBER, f.kind());
        assertEquals(10, f.line());
    }

    @Test
    void extxyzFramesAndExtraColumns() {
        String xyz = "2\nLattice=\"4 0 0 0 4 0 0 0 4\" Properties=species:S:1:pos:R:3:magmom:R:1 energy=-3.2 pbc=\"T T T\"\n"
                + "Fe 0 0 0 2.2\nO 2 2 2 0.0\n"
                + "1\nProperties=Z:I:1:pos:R:3 Lattice=\"3 0 0 0 3 0 0 0 3\"\n26 1.5 1.5 1.5\n";
        List<ParseResult> r = Readers.read("two.extxyz", xyz);
        assertEquals(2, r.size());
        Structure a = assertInstanceOf(ParseResult.Parsed.class, r.get(0)).value().structure();
        Structure b = assertInstanceOf(ParseResult.Parsed.class, r.get(1)).value().structure();
        assertEquals("two.extxyz#0", a.source());
        assertEquals("O", a.species(1));
        assertEquals(0.5, a.frac(1, 2), 1e-12);
        assertEquals("Fe", b.species(0));
        assertEquals(0.5, b.frac(0, 0), 1e-12);
    }

    @Test
    void aBadFrameLosesNothingElse() {
        String xyz = "1\nLattice=\"4 0 0 0 4 0 0 0 4\" Properties=species:S:1:pos:R:3\nFe 0 0 0\n"
                + "1\nLattice=\"4 0 0 0 4 0 0 0 4\" Properties=species:S:1:pos:R:3\nZz 0 0 0\n"
                + "1\nLattice=\"4 0 0 0 4 0 0 0 4\" Properties=species:S:1:pos:R:3\nCu 0 0 0\n";
        List<ParseResult> r = Readers.read("three.xyz", xyz);
        assertEquals(3, r.size());
        assertInstanceOf(ParseResult.Parsed.class, r.get(0));
        StructureException e = assertInstanceOf(ParseResult.Failed.class, r.get(1)).error();
        assertEquals(ErrorKind.UNKNOWN_ELEMENT, e.kind());
        assertEquals(6, e.line());
        assertInstanceOf(ParseResult.Parsed.class, r.get(2));
    }

    @Test
    void extxyzWithoutLatticeIsRefused() {
        assertEquals(ErrorKind.MISSING, Readers.error("mol.xyz", "1\nProperties=species:S:1:pos:R:3\nFe 0 0 0\n").kind());
    }
}
