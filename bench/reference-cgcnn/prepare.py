#!/usr/bin/env python3
"""Writes a subset of a persite JSON Lines dataset in the input layout of the reference CGCNN
(github.com/txie-93/cgcnn: one P1 CIF per structure, id_prop.csv, atom_init.json), for timing that code
against `persite train` on the same structures. The reference predicts one value per crystal, so its target
here is the mean per-site |magmom|; only the time per epoch is compared, not accuracy.

usage: prepare.py DATASET.jsonl.gz OUT_DIR N [--filter paper_filter] [--seed 1]
Also writes OUT_DIR/subset.jsonl (the same N records) for `persite train`.
"""
import argparse
import gzip
import json
import math
import os
import random
import shutil

p = argparse.ArgumentParser()
p.add_argument("dataset")
p.add_argument("out")
p.add_argument("n", type=int)
p.add_argument("--filter", default="paper_filter")
p.add_argument("--seed", type=int, default=1)
p.add_argument("--atom-init", default=os.path.join(os.path.dirname(__file__), "../../data/cgcnn_reference/atom_init.json"))
a = p.parse_args()

opener = gzip.open if a.dataset.endswith(".gz") else open
with opener(a.dataset, "rt") as f:
    records = [r for r in map(json.loads, f) if (not a.filter or r.get(a.filter)) and r.get("magmom") is not None]
random.Random(a.seed).shuffle(records)
records = records[: a.n]
os.makedirs(a.out, exist_ok=True)
shutil.copy(a.atom_init, os.path.join(a.out, "atom_init.json"))


def norm(v):
    return math.sqrt(sum(x * x for x in v))


def angle(u, v):
    return math.degrees(math.acos(sum(x * y for x, y in zip(u, v)) / (norm(u) * norm(v))))


with open(os.path.join(a.out, "id_prop.csv"), "w") as props, open(os.path.join(a.out, "subset.jsonl"), "w") as subset:
    for r in records:
        la, lb, lc = r["lattice"]
        lines = ["data_" + r["id"], "_symmetry_space_group_name_H-M 'P 1'",
                 "_cell_length_a %.6f" % norm(la), "_cell_length_b %.6f" % norm(lb), "_cell_length_c %.6f" % norm(lc),
                 "_cell_angle_alpha %.6f" % angle(lb, lc), "_cell_angle_beta %.6f" % angle(la, lc),
                 "_cell_angle_gamma %.6f" % angle(la, lb),
                 "loop_", "_symmetry_equiv_pos_as_xyz", "'x, y, z'",
                 "loop_", "_atom_site_label", "_atom_site_type_symbol", "_atom_site_fract_x", "_atom_site_fract_y",
                 "_atom_site_fract_z", "_atom_site_occupancy"]
        for i, (el, xyz) in enumerate(zip(r["species"], r["frac_coords"])):
            lines.append("%s%d %s %.6f %.6f %.6f 1" % (el, i, el, xyz[0], xyz[1], xyz[2]))
        with open(os.path.join(a.out, r["id"] + ".cif"), "w") as cif:
            cif.write("\n".join(lines) + "\n")
        m = [abs(x) for x in r["magmom"] if x is not None]
        props.write("%s,%.6f\n" % (r["id"], sum(m) / len(m)))
        subset.write(json.dumps(r) + "\n")
print("wrote %d structures, %d sites, to %s" % (len(records), sum(len(r["species"]) for r in records), a.out))
