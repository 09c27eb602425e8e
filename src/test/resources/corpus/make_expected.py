"""Writes expected/<input>.json for every file in inputs/ (CIFs, and POSCARs by name) with pymatgen (Debian's python3-pymatgen 2022.11),
in the format of the test vectors (see ../testvectors/README.md). Run once with /usr/bin/python3; CI needs no Python."""
import glob, json, os, sys
import numpy as np
from pymatgen.io.cif import CifParser
from pymatgen.io.vasp import Poscar
from pymatgen.core import Element

here = os.path.dirname(os.path.abspath(__file__))
for path in sorted(glob.glob(os.path.join(here, "inputs", "*"))):
    if os.path.exists(os.path.join(here, "expected", os.path.basename(path) + ".json")) and "--all" not in sys.argv:
        continue  # written once; --all writes every file again
    name = os.path.basename(path)
    if "POSCAR" in name or "CONTCAR" in name:
        # pymatgen 2022.11 names the species of a VASP 4 file without a species line H, He, ... (it does not read the comment
        # line); the species are given from the first line here, as persite reads them. The geometry is pymatgen's own.
        first = open(path).readline().split()
        first = first if first and all(Element.is_valid_symbol(t) for t in first) else None
        s = Poscar.from_string(open(path).read(), default_names=first).structure
    else:
        s = CifParser(path).get_structures(primitive=False)[0]
    neighbors = []
    for site_nbrs in s.get_all_neighbors(8.0):
        d = sorted(round(float(n.nn_distance), 6) for n in site_nbrs)
        neighbors.append({"count_within_cutoff": len(d), "nearest_distances": d[:12], "distances_within_4": [x for x in d if x <= 4.0]})
    out = {"source": os.path.basename(path), "formula": s.composition.formula, "lattice": s.lattice.matrix.round(8).tolist(),
           "species": [site.specie.symbol for site in s], "frac_coords": np.round(s.frac_coords, 8).tolist(),
           "volume": round(float(s.volume), 6), "cutoff": 8.0, "max_neighbors": 12, "neighbors": neighbors}
    with open(os.path.join(here, "expected", os.path.basename(path) + ".json"), "w") as f:
        json.dump(out, f)
    print(os.path.basename(path), len(s))
