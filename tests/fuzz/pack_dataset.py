#!/usr/bin/env python3
"""Packs a data set directory into the archive fuzz_dataset.cpp reads (its seed corpus):
repeated u8 file index, u32 little-endian length, bytes. Usage: pack_dataset.py DIR OUT."""
import struct
import sys
from pathlib import Path

FILES = ["dataset.json", "motifs.jaspar"] + [
    f"{split}.{part}.npy"
    for split in ("train", "valid", "test")
    for part in ("seq", "presence", "labels", "offsets")
]


def main() -> None:
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    blob = b""
    for index, name in enumerate(FILES):
        path = src / name
        if path.exists():
            data = path.read_bytes()
            blob += struct.pack("<BI", index, len(data)) + data
    out.write_bytes(blob)


if __name__ == "__main__":
    main()
