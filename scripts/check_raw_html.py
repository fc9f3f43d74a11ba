#!/usr/bin/env python3
"""List every place that marks text as safe HTML; fail on one that is not approved.

Looks for ``|safe``/``|safeseq``, ``{% autoescape off %}``, ``mark_safe(``,
``@mark_safe`` and ``SafeString(`` in articles/, archive/ and templates/ (tests and
migrations excluded). Each must match a line of docs/raw_html_allowlist.txt:

    path:text:reason

``text`` is a piece of the offending line (so the approval survives line moves but
not a change to what is marked safe); ``reason`` says why the HTML is safe. Exit
status 1 lists the unapproved sites; approvals that match nothing are reported too.

Usage: scripts/check_raw_html.py [--root DIR] [--allowlist FILE] [--list]
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("articles", "archive", "templates")
SUFFIXES = {".py", ".html", ".txt", ".xml", ".svg", ".js"}
EXCLUDED_PARTS = {"migrations", "tests", "__pycache__"}
PATTERNS = {
    "|safe": re.compile(r"\|\s*safe(seq)?\b"),
    "autoescape off": re.compile(r"\{%\s*autoescape\s+off\s*%\}"),
    "mark_safe": re.compile(r"(\bmark_safe\s*\(|@mark_safe\b)"),
    "SafeString": re.compile(r"\bSafeString\s*\("),
}


@dataclass(frozen=True)
class Site:
    path: str
    line: int
    kind: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}: {self.text.strip()}"


@dataclass(frozen=True)
class Approval:
    path: str
    text: str
    reason: str
    number: int


def find_sites(root: Path) -> list[Site]:
    sites = []
    for top in SCANNED:
        for path in sorted((root / top).rglob("*")):
            relative = path.relative_to(root)
            if not path.is_file() or path.suffix not in SUFFIXES:
                continue
            if EXCLUDED_PARTS & set(relative.parts):
                continue
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            for number, line in enumerate(lines, start=1):
                for kind, pattern in PATTERNS.items():
                    if pattern.search(line):
                        sites.append(Site(relative.as_posix(), number, kind, line))
    return sites


def read_allowlist(path: Path) -> tuple[list[Approval], list[str]]:
    approvals, problems = [], []
    if not path.exists():
        return approvals, [f"{path}: no such file"]
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split(":", 2)
        if len(parts) != 3 or not all(part.strip() for part in parts):
            problems.append(f"{path}:{number}: expected path:text:reason")
            continue
        file, text, reason = (part.strip() for part in parts)
        approvals.append(Approval(file, text, reason, number))
    return approvals, problems


def check(root: Path, allowlist: Path) -> tuple[list[Site], list[Site], list[str], list[str]]:
    """(all sites, unapproved sites, unused approvals, allowlist problems)."""
    sites = find_sites(root)
    approvals, problems = read_allowlist(allowlist)
    used: set[int] = set()
    unapproved = []
    for site in sites:
        match = next((a for a in approvals if a.path == site.path and a.text in site.text), None)
        if match is None:
            unapproved.append(site)
        else:
            used.add(match.number)
    unused = [
        f"{allowlist}:{a.number}: {a.path}:{a.text}" for a in approvals if a.number not in used
    ]
    return sites, unapproved, unused, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--allowlist", type=Path)
    parser.add_argument("--list", action="store_true", help="print every site, approved or not")
    args = parser.parse_args(argv)
    allowlist = args.allowlist or args.root / "docs" / "raw_html_allowlist.txt"
    sites, unapproved, unused, problems = check(args.root, allowlist)
    if args.list:
        for site in sites:
            print(site)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    for line in unused:
        print(f"warning: approval matches nothing (remove it): {line}", file=sys.stderr)
    for site in unapproved:
        print(f"error: unapproved raw HTML: {site}", file=sys.stderr)
    if unapproved or problems:
        print(
            f"{len(unapproved)} unapproved raw-HTML site(s): escape the value, or add "
            f"'path:text:reason' to {allowlist} after review.",
            file=sys.stderr,
        )
        return 1
    print(f"raw HTML: {len(sites)} site(s), all approved in {allowlist.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
