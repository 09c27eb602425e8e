#!/usr/bin/env python3
"""Times the reference CGCNN's prediction pipeline (github.com/txie-93/cgcnn) on the CIFs that prepare.py wrote:
pymatgen parses each CIF, get_all_neighbors + sort builds the M-nearest graph, GaussianDistance expands it, and
CrystalGraphConvNet (F 64, 3 convolutions, H 128, 1 hidden layer, seeded random weights: compute does not depend
on the values) runs its forward pass in eval mode on batches of 64 crystals, as predict.py does. Everything is
timed, from the first file opened to the last batch out; the reference's cache (lru_cache on __getitem__) is never
hit because every structure is read once. Prints atoms/s on one line for run-predict.sh.

usage: predict.py CGCNN_CHECKOUT DATA_DIR [--threads 2] [--batch 64]
"""
import argparse
import sys
import time

p = argparse.ArgumentParser()
p.add_argument("ref")
p.add_argument("data")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--batch", type=int, default=64)
a = p.parse_args()
sys.path.insert(0, a.ref)

import torch  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402
from cgcnn.data import CIFData, collate_pool  # noqa: E402
from cgcnn.model import CrystalGraphConvNet  # noqa: E402

torch.set_num_threads(a.threads)
torch.manual_seed(1)
dataset = CIFData(a.data, max_num_nbr=12, radius=8, dmin=0, step=0.2)
first, _, _ = dataset[0]
model = CrystalGraphConvNet(first[0].shape[-1], first[1].shape[-1], atom_fea_len=64, n_conv=3, h_fea_len=128, n_h=1)
model.eval()
dataset = CIFData(a.data, max_num_nbr=12, radius=8, dmin=0, step=0.2)  # a fresh cache: nothing read before the clock
loader = DataLoader(dataset, batch_size=a.batch, shuffle=False, num_workers=0, collate_fn=collate_pool)
atoms = 0
structures = 0
t0 = time.perf_counter()
with torch.no_grad():
    for (atom_fea, nbr_fea, nbr_idx, crystal_idx), _, ids in loader:
        out = model(atom_fea, nbr_fea, nbr_idx, crystal_idx)
        atoms += atom_fea.shape[0]
        structures += len(ids)
elapsed = time.perf_counter() - t0
print("reference: %d structures, %d atoms in %.2f s: %.0f atoms/s (%d threads)" % (structures, atoms, elapsed, atoms / elapsed, a.threads))
