/** Crystal structures (lattice, species, fractional coordinates) and the readers that turn CIF, POSCAR, extended XYZ and JSON Lines text into them, with typed errors. */
package org.persite.structure;
