"""Per-field metadata accuracy of the parser on a folder of minutes with an ``INDEX.tsv``.

    python3 -m benchmarks.metadata_accuracy ../shared/more-minutes [--misses]

``INDEX.tsv`` holds what a person read off each file (columns file, region, meeting_date,
meeting_number, chair). Comparisons are tolerant the way a reader is: a region written with or
without its parent city or its «自治县» suffix is the same government (济南市市中区 / 市中区,
青龙县 / 青龙满族自治县); a date with no year in the page counts as right when the parser kept the
month and day (``date_partial``) and claimed no year («partial» column), and is reported apart.
For a file holding several meetings the first meeting is compared (INDEX rows describe one).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

FIELDS = ("date", "meeting_number", "chair", "region")


def _region_forms(name: str) -> set[str]:
    """A region's equivalent written forms, from the gazetteer (full name, short name + type)."""
    from qa.regions import gazetteer

    forms = {name}
    for place in gazetteer().lookup(name):
        forms |= {place.name, place.alias + place.kind}
        if place.city:
            forms.add(place.city + place.name)
    # «济南市市中区»: a county-level name prefixed with its city.
    for place in gazetteer().places:
        if place.city and name == place.city + place.name:
            forms |= {place.name, place.alias + place.kind}
    return forms


def compare(meeting, row: dict[str, str]) -> dict[str, str]:
    """Per field: 'ok', 'partial' (date: month-day kept, no year claimed), 'empty' (nothing claimed) or 'miss'."""
    out: dict[str, str] = {}
    want_date = row.get("meeting_date", "")
    if meeting.date == want_date and (want_date or not meeting.date):
        out["date"] = "ok"
    elif not meeting.date and getattr(meeting, "date_partial", None) and want_date[5:] == meeting.date_partial:
        out["date"] = "partial"
    else:
        out["date"] = "miss"
    got_number = "" if meeting.meeting_number is None else str(meeting.meeting_number)
    out["meeting_number"] = "ok" if got_number == row.get("meeting_number", "") else "miss"
    out["chair"] = "ok" if (meeting.chair or "") == row.get("chair", "") else "miss"
    want_region = row.get("region", "")
    got_region = meeting.region or ""
    same = got_region == want_region or (got_region and got_region in _region_forms(want_region))
    out["region"] = "ok" if same else "miss"
    got = {"date": meeting.date, "meeting_number": meeting.meeting_number, "chair": meeting.chair}
    got["region"] = meeting.region
    for f in FIELDS:
        if out[f] == "miss" and got[f] is None:
            out[f] = "empty"
    return out


def measure(folder: Path, show_misses: bool = False) -> dict[str, tuple[int, int, int, int]]:
    """Per field (right, partial, empty, total) over the rows of ``folder/INDEX.tsv``."""
    from qa.minutes import parse_meetings

    with open(folder / "INDEX.tsv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    counts = {f: [0, 0, 0, 0] for f in FIELDS}
    for row in rows:
        meeting = parse_meetings(folder / row["file"])[0]
        result = compare(meeting, row)
        for f in FIELDS:
            counts[f][3] += 1
            if result[f] == "ok":
                counts[f][0] += 1
            elif result[f] == "partial":
                counts[f][1] += 1
            elif result[f] == "empty":
                counts[f][2] += 1
            if result[f] in ("miss", "empty") and show_misses:
                got = {
                    "date": f"{meeting.date} (partial {getattr(meeting, 'date_partial', None)})",
                    "meeting_number": meeting.meeting_number,
                    "chair": meeting.chair,
                    "region": meeting.region,
                }[f]
                want = {"date": "meeting_date"}.get(f, f)
                print(f"  {row['file']} {f}: got {got!r}, want {row.get(want)!r}", file=sys.stderr)
    return {f: (c[0], c[1], c[2], c[3]) for f, c in counts.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path, help="folders with minutes and an INDEX.tsv")
    parser.add_argument("--misses", action="store_true", help="list every wrong field on stderr")
    args = parser.parse_args(argv)
    print("| folder | field | right | month-day kept, no year | empty | wrong | of | accuracy (strict / tolerant) |")
    print("|---|---|---|---|---|---|---|---|")
    for folder in args.folders:
        for f, (right, partial, empty, total) in measure(folder, args.misses).items():
            wrong = total - right - partial - empty
            print(
                f"| {folder.name} | {f} | {right} | {partial} | {empty} | {wrong} | {total} | "
                f"{right / total:.2f} / {(right + partial) / total:.2f} |"
            )


if __name__ == "__main__":
    main()
