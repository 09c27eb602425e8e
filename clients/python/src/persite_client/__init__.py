"""persite-client: per-site predictions of crystals (magnetic moments, partial charges, ...) from a persite server.

    import persite_client
    results = persite_client.predict([structure, atoms, "Fe2O3.cif"], server="127.0.0.1:50051")
    results[0].values          # np.ndarray [sites, properties], in results[0].units
    results[0].sigma           # the ensemble's σ, or None
    results[0].to_pymatgen(structure)   # a copy with the predictions as site properties
    results[0].magmom_incar()           # 'MAGMOM = 2*4.2 4*0.0' for a VASP INCAR
"""
from .client import Client, SiteError, SitePrediction, predict, stream

__all__ = ["Client", "SiteError", "SitePrediction", "predict", "stream"]
__version__ = "0.1.0"
