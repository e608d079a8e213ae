#!/usr/bin/env python3
"""Writes tests/data/similarity_biopython.json: Biopython's numbers for test_similarity/test_motif.

Run by hand from anywhere (needs numpy and biopython; written with Biopython 1.88):
    python3 tests/data/make_similarity_fixture.py

Motifs are read with Biopython's own JASPAR parser from data/motifs/distinct_1.jaspar,
data/motifs/MEF2A.jaspar and a subset of tests/data/jaspar_core_vertebrates_nr.jaspar (the
first 20 matrices plus MA1153.1, whose counts are decimals). Probabilities follow SPEC §2:
f_b = count_b / column total, p_b = (f_b + eps) / (1 + 4 eps), eps = 0.01.

For every ordered pair (a, b) within {distinct_1 + MEF2A} (so within each set and across them)
and within the nr subset, it stores Biopython's PSSM.dist_pearson(a, b) twice:
  - "log_odds":      PositionWeightMatrix(p).log_odds(), what the paper compared;
  - "probabilities": a PositionSpecificScoringMatrix built from p itself.
Each holds distance and offset as dist_pearson returns them, and "correlation", the exact
max_p (re-evaluated with dist_pearson_at at that offset; 1 - distance loses bits).
Per motif it stores Biopython's consensus (of the raw counts) and its relative entropy per
column (Motif.relative_entropy with counts = column frequencies and pseudocounts = eps, i.e.
the same p_b), plus their sum.
"""
import json
import os

import Bio
import numpy as np
from Bio import motifs
from Bio.motifs.matrix import PositionSpecificScoringMatrix, PositionWeightMatrix

EPS = 0.01
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
NR_FIRST = 20
NR_EXTRA = ["MA1153.1"]

SETS = {
    "distinct_1": "data/motifs/distinct_1.jaspar",
    "MEF2A": "data/motifs/MEF2A.jaspar",
    "jaspar_nr_subset": "tests/data/jaspar_core_vertebrates_nr.jaspar",
}


def read(rel):
    with open(os.path.join(ROOT, rel)) as f:
        return list(motifs.parse(f, "jaspar"))


def probabilities(m):
    """{letter: [p per column]} with the per-column pseudocount of SPEC §2."""
    p = {b: [] for b in "ACGT"}
    for i in range(m.length):
        total = sum(m.counts[b][i] for b in "ACGT")
        for b in "ACGT":
            p[b].append((m.counts[b][i] / total + EPS) / (1 + 4 * EPS))
    return p


def summary(m):
    freqs = {b: [] for b in "ACGT"}
    for i in range(m.length):
        total = sum(m.counts[b][i] for b in "ACGT")
        for b in "ACGT":
            freqs[b].append(m.counts[b][i] / total)
    f = motifs.Motif("ACGT", counts=freqs)
    f.pseudocounts = EPS
    f.background = None  # uniform
    ic = f.relative_entropy
    return {
        "id": m.matrix_id,
        "name": m.name,
        "length": m.length,
        "consensus": str(m.counts.consensus),
        "column_information": [float(x) for x in ic],
        "information_content": float(np.sum(ic)),
    }


def exact_max_p(x, y, offset):
    """dist_pearson's max_p at its returned offset (max_o = -loop offset)."""
    loop = -offset
    return x.dist_pearson_at(y, -loop) if loop < 0 else y.dist_pearson_at(x, loop)


def compare(x, y):
    distance, offset = x.dist_pearson(y)
    return {"distance": distance, "offset": offset, "correlation": exact_max_p(x, y, offset)}


def main():
    groups = {}
    for name, rel in SETS.items():
        ms = read(rel)
        if name == "jaspar_nr_subset":
            ms = ms[:NR_FIRST] + [m for m in ms if m.matrix_id in NR_EXTRA]
        groups[name] = ms

    entries = []  # (set, motif, log-odds PSSM, probability PSSM)
    out_motifs = []
    for name, ms in groups.items():
        for m in ms:
            p = probabilities(m)
            entries.append((name, m, PositionWeightMatrix("ACGT", p).log_odds(),
                            PositionSpecificScoringMatrix("ACGT", p)))
            out_motifs.append({"set": name, **summary(m)})

    pairs = []
    symmetric, antisymmetric_offset = True, True
    by_key = {}
    for ea in entries:
        for eb in entries:
            same_group = ea[0] == eb[0] or (ea[0] != "jaspar_nr_subset" and
                                              eb[0] != "jaspar_nr_subset")
            if not same_group:
                continue
            rec = {"set_a": ea[0], "a": ea[1].matrix_id, "set_b": eb[0], "b": eb[1].matrix_id,
                   "log_odds": compare(ea[2], eb[2]),
                   "probabilities": compare(ea[3], eb[3])}
            pairs.append(rec)
            by_key[(ea[0], rec["a"], eb[0], rec["b"])] = rec
    for (sa, a, sb, b), rec in by_key.items():
        back = by_key[(sb, b, sa, a)]
        for kind in ("log_odds", "probabilities"):
            if rec[kind]["correlation"] != back[kind]["correlation"]:
                symmetric = False
            if rec[kind]["offset"] != -back[kind]["offset"]:
                antisymmetric_offset = False

    doc = {
        "generator": "tests/data/make_similarity_fixture.py",
        "biopython": Bio.__version__,
        "pseudocount": EPS,
        "sets": SETS,
        "checks": {"correlation_symmetric": symmetric,
                   "offset_antisymmetric": antisymmetric_offset},
        "motifs": out_motifs,
        "pairs": pairs,
    }
    path = os.path.join(HERE, "similarity_biopython.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"{path}: {len(out_motifs)} motifs, {len(pairs)} pairs, "
          f"symmetric={symmetric}, offset antisymmetric={antisymmetric_offset}")


if __name__ == "__main__":
    main()
