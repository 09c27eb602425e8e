"""persite's Python client: per-site predictions for pymatgen Structures, ASE Atoms and structure files."""
import itertools
import os
import queue
import threading

import grpc
import numpy as np

from . import _stubs

pb, _PerSiteStub = _stubs.load()

_FORMATS = {".cif": pb.CIF, ".mcif": pb.CIF, ".vasp": pb.POSCAR, ".poscar": pb.POSCAR, ".xyz": pb.EXTXYZ, ".extxyz": pb.EXTXYZ,
            ".jsonl": pb.JSONL, ".ndjson": pb.JSONL}
# files a folder holds that are never structures: skipped by stream() with an error object naming them
_NOT_STRUCTURES = {".txt", ".csv", ".tsv", ".md", ".json", ".log", ".py", ".ipynb", ".png", ".jpg", ".pdf", ".yaml", ".yml", ".npy", ".npz",
                   ".pkl", ".pt", ".h5", ".sh", ".html", ".xml", ".zip", ".tar", ".onnx"}
_CODES = {c.value[0]: c.name for c in grpc.StatusCode}


class SiteError:
    """One input that was not predicted: its name (file, structure), the gRPC code name and the reason."""

    ok = False

    def __init__(self, name, code, message):
        self.name = name
        self.code = code
        self.message = message

    def __repr__(self):
        return f"SiteError({self.name!r}, {self.code}: {self.message})"


class SitePrediction:
    """One structure's per-site answer.

    values: np.ndarray [N, P] in `units`; sigma: [N, P] (models with a σ) or None; domain_score: [N] or None;
    low, high: [N, P] each site's one-sided interval (models with one) or None;
    elements: N symbols; out_of_domain: the structure's verdict (models with a domain head); model: "name/version".
    """

    ok = True

    def __init__(self, name, elements, values, sigma, domain_score, out_of_domain, properties, units, model, low=None, high=None):
        self.name = name
        self.low = low
        self.high = high
        self.elements = elements
        self.values = values
        self.sigma = sigma
        self.domain_score = domain_score
        self.out_of_domain = out_of_domain
        self.properties = properties
        self.units = units
        self.model = model

    def __repr__(self):
        return f"SitePrediction({self.name!r}, {len(self.elements)} sites, {self.properties} in {self.units}, model {self.model})"

    def property(self, name=None):
        """The [N] values of one property (the first when name is None)."""
        q = 0 if name is None else self.properties.index(name)
        return self.values[:, q]

    def to_pymatgen(self, structure):
        """A copy of `structure` (pymatgen) with the predictions as site properties: <property>, <property>_std, <property>_low,
        <property>_high, domain_score (each where the model gives it)."""
        _check_sites(structure, len(self.elements))
        s = structure.copy()
        for q, p in enumerate(self.properties):
            s.add_site_property(p, [float(v) for v in self.values[:, q]])
            if self.sigma is not None:
                s.add_site_property(p + "_std", [float(v) for v in self.sigma[:, q]])
            if self.low is not None:
                s.add_site_property(p + "_low", [float(v) for v in self.low[:, q]])
                s.add_site_property(p + "_high", [float(v) for v in self.high[:, q]])
        if self.domain_score is not None:
            s.add_site_property("domain_score", [float(v) for v in self.domain_score])
        return s

    def to_ase(self, atoms):
        """A copy of `atoms` (ASE) with the predictions as arrays; magnetic moments also as initial magmoms, charges as initial charges."""
        _check_sites(atoms, len(self.elements))
        a = atoms.copy()
        for q, p in enumerate(self.properties):
            a.set_array(p, np.asarray(self.values[:, q], dtype=float))
            if self.sigma is not None:
                a.set_array(p + "_std", np.asarray(self.sigma[:, q], dtype=float))
            if "magmom" in p:
                a.set_initial_magnetic_moments(self.values[:, q])
            elif "charge" in p:
                a.set_initial_charges(self.values[:, q])
        return a

    def magmom_incar(self, property_name=None, ndigits=1, minimum=0.0):
        """A VASP INCAR line MAGMOM = ... from the predicted moments, in site order (as the POSCAR lists them), with runs
        of equal values compressed (2*4.0). Moments are rounded to `ndigits`; those below `minimum` become 0."""
        vals = [round(float(v), ndigits) for v in self.property(property_name)]
        vals = [0.0 if abs(v) < minimum else v for v in vals]
        words = []
        for v, run in itertools.groupby(vals):
            n = len(list(run))
            text = ("%." + str(ndigits) + "f") % v
            words.append(f"{n}*{text}" if n > 1 else text)
        return "MAGMOM = " + " ".join(words)


def _check_sites(obj, n):
    if len(obj) != n:
        raise ValueError(f"the prediction has {n} sites but the object has {len(obj)}: predict and attach the same structure")


def _explicit(obj):
    """An ExplicitStructure for a pymatgen Structure or an ASE Atoms; ValueError for what cannot be sent (a disordered site)."""
    if hasattr(obj, "lattice") and hasattr(obj, "frac_coords"):  # pymatgen
        if not obj.is_ordered:
            raise ValueError("a disordered structure (partial occupancies) has no single species per site: order it first "
                             "(pymatgen's OrderDisorderedStructureTransformation)")
        return pb.ExplicitStructure(lattice=[float(x) for x in np.asarray(obj.lattice.matrix).ravel()],
                                    species=[site.specie.symbol for site in obj],
                                    frac_coords=[float(x) for x in np.asarray(obj.frac_coords).ravel()])
    if hasattr(obj, "get_scaled_positions") and hasattr(obj, "cell"):  # ASE
        if not all(obj.pbc):
            raise ValueError("an ASE Atoms without periodic boundaries on all three axes: persite predicts crystals (set pbc=True and a cell)")
        return pb.ExplicitStructure(lattice=[float(x) for x in np.asarray(obj.cell[:]).ravel()], species=list(obj.get_chemical_symbols()),
                                    frac_coords=[float(x) for x in np.asarray(obj.get_scaled_positions(wrap=True)).ravel()])
    raise ValueError(f"not a structure: {type(obj).__name__} (give a pymatgen Structure, an ASE Atoms or a file path)")


class _JsonLine:
    """One line of a JSON Lines file: sent as its own request, so a 10^6-line file streams."""

    def __init__(self, path, line_no, text):
        self.name = f"{path}:{line_no}"
        self.text = text


def _json_lines(path):
    import gzip
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                yield _JsonLine(path, n, line)


def _name_of(obj, i):
    if isinstance(obj, _JsonLine):
        return obj.name
    if isinstance(obj, (str, os.PathLike)):
        return os.fspath(obj)
    formula = getattr(obj, "formula", None) or (obj.get_chemical_formula() if hasattr(obj, "get_chemical_formula") else None)
    return f"structure[{i}]" + (f" {formula}" if isinstance(formula, str) else "")


class Client:
    """A connection to a persite server.

        client = Client("127.0.0.1:50051")              # or PERSITE_SERVER
        for r in client.predict([structure, atoms, "Fe2O3.cif"]):
            print(r.name, r.values if r.ok else r.message)
    """

    def __init__(self, server=None, model="", token=None, timeout=600.0):
        self.server = server or os.environ.get("PERSITE_SERVER", "127.0.0.1:50051")
        self.model = model
        self.timeout = timeout
        self._metadata = [("authorization", "Bearer " + token)] if token else None
        self._channel = grpc.insecure_channel(self.server, options=[("grpc.max_receive_message_length", 64 << 20),
                                                                    ("grpc.max_send_message_length", 64 << 20)])
        self._stub = _PerSiteStub(self._channel)

    def close(self):
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def predict(self, structures):
        """Predictions for a list of pymatgen Structures, ASE Atoms and file paths, in order: one SitePrediction or
        SiteError per structure (a file with several structures gives several). One bad input never fails the others."""
        return list(self.stream(structures))

    def stream(self, inputs, order="input", window=64):
        """Streams inputs (structures, file paths or folders, which stand for their structure files) through one
        PredictStream call and yields a SitePrediction or SiteError per structure, in input order (or as they are done
        with order="completion"). Files are read one at a time as the stream goes, so a folder of 10^6 files is fine."""
        errors = []          # inputs refused before sending: (position, SiteError)
        names = {}           # request id -> the input's name
        sent = [0]

        def requests():
            for i, item in enumerate(_expand(inputs)):
                if isinstance(item, SiteError):
                    errors.append((i, item))
                    continue
                rid = str(i)
                name = _name_of(item, i)
                try:
                    req = self._request(rid, item, name)
                except (ValueError, OSError, UnicodeDecodeError) as e:
                    errors.append((i, SiteError(name, "INVALID_ARGUMENT", str(e))))
                    continue
                if order == "completion" and sent[0] == 0:
                    req.order = pb.COMPLETION_ORDER
                names[rid] = name
                sent[0] += 1
                yield req

        responses = self._stub.PredictStream(requests(), timeout=self.timeout, metadata=self._metadata)
        for resp in responses:
            i = int(resp.request_id)
            while errors and order == "input" and errors[0][0] < i:
                yield errors.pop(0)[1]
            for r in _results(resp, names.get(resp.request_id, resp.request_id)):
                yield r
        for _, e in sorted(errors, key=lambda x: x[0]):
            yield e

    def _request(self, rid, item, name):
        req = pb.PredictRequest(request_id=rid, model=self.model)
        if isinstance(item, _JsonLine):  # one line of a JSON Lines file, named FILE:LINE (the server names it FILE#ID)
            req.text.CopyFrom(pb.StructureText(format=pb.JSONL, content=item.text, name=item.name))
        elif isinstance(item, (str, os.PathLike)):
            path = os.fspath(item)
            with open(path, "rb") as f:
                raw = f.read()
            if path.endswith(".gz"):
                import gzip
                raw = gzip.decompress(raw)
                path = path[:-3]
            text = raw.decode("utf-8")  # a binary file fails here, as its own error
            fmt = _FORMATS.get(os.path.splitext(path)[1].lower(), pb.AUTO)
            req.text.CopyFrom(pb.StructureText(format=fmt, content=text, name=os.fspath(item)))
        else:
            req.explicit.CopyFrom(_explicit(item))
        return req


def _expand(inputs):
    """Inputs as given, with a folder standing for its files (name order) and a JSON Lines file for its lines; files that
    are never structures become SiteErrors."""
    if isinstance(inputs, (str, os.PathLike)) or hasattr(inputs, "lattice") or hasattr(inputs, "get_scaled_positions"):
        inputs = [inputs]
    for item in inputs:
        if isinstance(item, (str, os.PathLike)) and os.path.isdir(item):
            for entry in sorted(os.listdir(item)):
                path = os.path.join(item, entry)
                if entry.startswith(".") or not os.path.isfile(path):
                    continue
                ext = os.path.splitext(entry)[1].lower()
                if ext in _NOT_STRUCTURES:
                    yield SiteError(path, "SKIPPED", f"not a structure file ({ext})")
                else:
                    yield from _file(path)
        elif isinstance(item, (str, os.PathLike)):
            yield from _file(os.fspath(item))
        else:
            yield item


def _file(path):
    lower = path.lower()
    if lower.endswith((".jsonl", ".jsonl.gz", ".ndjson")):
        try:
            yield from _json_lines(path)
        except (OSError, UnicodeDecodeError) as e:
            yield SiteError(path, "INVALID_ARGUMENT", f"cannot read the file: {e}")
    else:
        yield path


def _results(resp, name):
    props = list(resp.properties)
    units = list(resp.units)
    model = f"{resp.model}/{resp.model_version}"
    if not resp.structures:
        yield SiteError(name, _CODES.get(resp.status.code, str(resp.status.code)), resp.status.message)
        return
    for s in resp.structures:
        if s.status.code != 0:
            yield SiteError(s.name or name, _CODES.get(s.status.code, str(s.status.code)), s.status.message)
            continue
        n = len(s.sites)
        p = len(props)
        values = np.array([list(site.values) for site in s.sites], dtype=np.float32).reshape(n, p)
        has_sigma = n > 0 and len(s.sites[0].uncertainty) == p
        sigma = np.array([list(site.uncertainty) for site in s.sites], dtype=np.float32).reshape(n, p) if has_sigma else None
        has_interval = n > 0 and len(s.sites[0].interval_low) == p
        low = np.array([list(site.interval_low) for site in s.sites], dtype=np.float32).reshape(n, p) if has_interval else None
        high = np.array([list(site.interval_high) for site in s.sites], dtype=np.float32).reshape(n, p) if has_interval else None
        has_domain = n > 0 and s.sites[0].HasField("domain_score")
        domain = np.array([site.domain_score for site in s.sites], dtype=np.float32) if has_domain else None
        yield SitePrediction(s.name or name, [site.element for site in s.sites], values, sigma, domain,
                             bool(s.out_of_domain), props, units, model, low, high)


def predict(structures, server=None, model="", token=None):
    """Predictions for pymatgen Structures, ASE Atoms and file paths: a list of SitePrediction or SiteError, in order."""
    with Client(server, model, token) as c:
        return c.predict(structures)


def stream(inputs, server=None, model="", token=None, order="input"):
    """Yields a SitePrediction or SiteError per structure of `inputs` (structures, files, folders), through one stream."""
    with Client(server, model, token) as c:
        yield from c.stream(inputs, order=order)
