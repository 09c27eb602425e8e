"""Writes expected/<input>.json for every file in inputs/ with pymatgen (Debian's python3-pymatgen 2022.11),
in the format of the test vectors (see ../testvectors/README.md). Run once with /usr/bin/python3; CI needs no Python."""
import glob, json, os
import numpy as np
from pymatgen.io.cif import CifParser

here = os.path.dirname(os.path.abspath(__file__))
for path in sorted(glob.glob(os.path.join(here, "inputs", "*"))):
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
