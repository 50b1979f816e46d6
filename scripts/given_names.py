"""Write feedback/text/given_names.tsv, the given names the name redactor takes as evidence that a
PERSON entity is a person (feedback/text/words.py), from the US Census Bureau's 1990 given-name
files.

Source: the US Census Bureau's 1990 Census name files, ``dist.female.first`` (4,275 names) and ``dist.male.first`` (1,219 names): each line a name, the
per cent of the population (of that sex) with it, the cumulative per cent and the rank. Published
at https://www2.census.gov/topics/genealogy/1990surnames/ . A work of the US federal government:
public domain (17 U.S.C. 105).

The output keeps, per lower-cased name, the larger of its two shares (a name in both lists, such
as James, keeps its male share), so the redactor's rule "given to at least 1 in 10,000 people"
reads the same as it did from the two files. Lines are sorted by name; the header says where they
came from. Running it again on the same files writes the same bytes.

    python scripts/given_names.py --from DIR [--out feedback/text/given_names.tsv]

DIR holds the two files, as the Census Bureau publishes them (the ``names`` package, 0.3.0, MIT,
ships copies of them in its package folder: ``--from .venv/lib/python3.11/site-packages/names``).
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

PARTS = ("dist.female.first", "dist.male.first")
OUT = Path(__file__).resolve().parent.parent / "feedback" / "text" / "given_names.tsv"
HEADER = """\
# Given names of the US 1990 Census (US Census Bureau, 1990 Census name files dist.female.first and
# dist.male.first, https://www2.census.gov/topics/genealogy/1990surnames/).
# Public domain: a work of the US federal government (17 U.S.C. 105).
# name<TAB>per cent of the population of that sex with the name (the larger of the two lists).
# Written by scripts/given_names.py; do not edit by hand. Input sha256: {digests}
"""


def read_shares(folder: Path) -> dict[str, float]:
    """{lower-cased name: its largest share} over the two files. ValueError on a malformed line."""
    shares: dict[str, float] = {}
    for part in PARTS:
        for number, line in enumerate((folder / part).read_text(encoding="ascii").splitlines(), start=1):
            fields = line.split()
            if not fields:
                continue
            try:
                if len(fields) != 4 or not fields[0].isalpha():
                    raise ValueError
                name, share = fields[0].lower(), float(fields[1])
            except ValueError:
                raise ValueError(f"{part}:{number}: not a line of the Census file: {line!r}") from None
            shares[name] = max(share, shares.get(name, 0.0))
    return shares


def render(shares: dict[str, float], digests: str) -> str:
    return HEADER.format(digests=digests) + "".join(f"{name}\t{shares[name]:.3f}\n" for name in sorted(shares))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="folder", type=Path, required=True, help="folder holding the two Census files")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    digests = ", ".join(f"{part} {hashlib.sha256((args.folder / part).read_bytes()).hexdigest()[:16]}"
                        for part in PARTS)
    shares = read_shares(args.folder)
    args.out.write_text(render(shares, digests), encoding="ascii")
    print(f"{len(shares)} given names written to {args.out}")


if __name__ == "__main__":
    main()
