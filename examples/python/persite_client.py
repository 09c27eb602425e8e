"""A small persite client: per-site predictions from a persite server, as NumPy arrays.

    python persite_client.py --server 127.0.0.1:50051 FOLDER_OF_CIFS
    python persite_client.py --server 127.0.0.1:50051 --ase-demo

Needs grpcio, numpy and the stubs generated from ../../proto (see README.md). pymatgen or ASE are optional:
`predict_structures` takes pymatgen `Structure` or ASE `Atoms` objects and sends them field by field.
"""
import argparse
import itertools
import os
import sys
import time

import grpc
import numpy as np

from persite.v1 import persite_pb2 as pb
from persite.v1 import persite_pb2_grpc as pb_grpc

FORMATS = {".cif": pb.CIF, ".vasp": pb.POSCAR, ".xyz": pb.EXTXYZ, ".extxyz": pb.EXTXYZ, ".jsonl": pb.JSONL}


class Prediction:
    """One structure's answer: its sites' elements and a [sites, properties] array of values."""

    def __init__(self, request_id, name, elements, values, properties, units, model):
        self.request_id = request_id
        self.name = name
        self.elements = elements      # list of N element symbols
        self.values = values          # np.ndarray [N, P]
        self.properties = properties  # P property names, e.g. ["magmom"]
        self.units = units            # P units, e.g. ["μB"]
        self.model = model            # "magmom/2": the exact model version that answered

    def __repr__(self):
        return f"Prediction({self.name!r}, {len(self.elements)} sites, {self.properties} in {self.units}, model {self.model})"


CODE_NAMES = {c.value[0]: c.name for c in grpc.StatusCode}


class PersiteError(Exception):
    """A structure the server refused; the message names the input, the line and the problem."""

    def __init__(self, request_id, code, message):
        super().__init__(f"request {request_id}: {CODE_NAMES.get(code, code)}: {message}")
        self.request_id = request_id
        self.code = code
        self.message = message


def _results(response):
    """Prediction or PersiteError objects for each structure in one PredictResponse."""
    if not response.structures:
        yield PersiteError(response.request_id, response.status.code, response.status.message)
        return
    for s in response.structures:
        if s.status.code != 0:
            yield PersiteError(response.request_id, s.status.code, s.status.message)
            continue
        values = np.array([site.values for site in s.sites], dtype=np.float32).reshape(len(s.sites), len(response.properties))
        yield Prediction(response.request_id, s.name, [site.element for site in s.sites], values,
                         list(response.properties), list(response.units), f"{response.model}/{response.model_version}")


def stream_files(stub, paths, model="", order=pb.INPUT_ORDER):
    """Streams structure files through one PredictStream call; yields a Prediction or PersiteError per structure.

    Files are read lazily as the server asks for more, so a folder of 10^6 CIFs never sits in memory."""
    def requests():
        for i, path in enumerate(paths):
            with open(path, encoding="utf-8") as f:
                content = f.read()
            fmt = FORMATS.get(os.path.splitext(path)[1].lower(), pb.AUTO)
            yield pb.PredictRequest(request_id=str(i), model=model, order=order,
                                    text=pb.StructureText(format=fmt, content=content, name=os.path.basename(path)))
    for response in stub.PredictStream(requests()):
        yield from _results(response)


def explicit(structure, name=""):
    """An ExplicitStructure from a pymatgen Structure or an ASE Atoms object."""
    if hasattr(structure, "lattice") and hasattr(structure, "frac_coords"):    # pymatgen
        lattice = np.asarray(structure.lattice.matrix, dtype=float)
        species = [str(sp) for sp in structure.species]                        # "Fe", or "Fe3+" (the server drops the charge)
        frac = np.asarray(structure.frac_coords, dtype=float)
    else:                                                                      # ASE
        lattice = np.asarray(structure.cell[:], dtype=float)
        species = list(structure.get_chemical_symbols())
        frac = np.asarray(structure.get_scaled_positions(wrap=False), dtype=float)
    return pb.ExplicitStructure(lattice=lattice.reshape(9).tolist(), species=species,
                                frac_coords=frac.reshape(-1).tolist(), name=name)


def predict_structures(stub, structures, names=None, model=""):
    """Predicts pymatgen Structure or ASE Atoms objects through one PredictStream call, in order."""
    names = names or [f"structure-{i}" for i in range(len(structures))]
    requests = (pb.PredictRequest(request_id=str(i), model=model, explicit=explicit(s, n))
                for i, (s, n) in enumerate(zip(structures, names)))
    for response in stub.PredictStream(requests):
        yield from _results(response)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", default="127.0.0.1:50051")
    ap.add_argument("--model", default="", help="model name (default: the server's default model)")
    ap.add_argument("--ase-demo", action="store_true", help="send a few ASE bulk crystals through the explicit fields")
    ap.add_argument("folder", nargs="?", help="a folder of structure files (CIF, POSCAR *.vasp, extended XYZ)")
    args = ap.parse_args()

    with grpc.insecure_channel(args.server) as channel:
        stub = pb_grpc.PerSiteStub(channel)
        for m in stub.ListModels(pb.ListModelsRequest()).models:
            print(f"model {m.name} v{m.version}{' (default)' if m.is_default else ''}: "
                  + ", ".join(f"{p.name} [{p.unit}]" for p in m.properties))
        if args.folder:
            paths = sorted(os.path.join(args.folder, f) for f in os.listdir(args.folder) if not f.startswith("."))
            t0, ok, bad, atoms = time.time(), 0, 0, 0
            for r in stream_files(stub, paths, args.model):
                if isinstance(r, PersiteError):
                    bad += 1
                    print("error:", r, file=sys.stderr)
                    continue
                ok += 1
                atoms += len(r.elements)
                if ok <= 3:
                    print(r, "first sites:", list(zip(r.elements[:4], np.round(r.values[:4, 0], 3))))
            dt = time.time() - t0
            print(f"{ok} structures ({atoms} atoms) predicted, {bad} refused, in {dt:.2f} s ({ok / dt:.0f} structures/s)")
        if args.ase_demo:
            from ase.build import bulk
            crystals = [bulk("Fe", "bcc", a=2.87, cubic=True), bulk("NiO", "rocksalt", a=4.17, cubic=True),
                        bulk("Cu", "fcc", a=3.61)]
            for r in predict_structures(stub, crystals, names=["Fe-bcc", "NiO", "Cu-fcc"], model=args.model):
                print(r, dict(itertools.islice(zip(r.elements, np.round(r.values[:, 0], 3)), 4)))


if __name__ == "__main__":
    main()
