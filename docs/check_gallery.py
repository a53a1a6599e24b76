"""Fail when the rendered gallery shows stray output.

Run after ``make html``: scans the example pages sphinx-gallery wrote
(``docs/auto_examples/*.rst``) for reprs of plotting objects
(``<... object at 0x...>``), bare ``True``/``False`` output lines, and
warnings printed with an install path. Exit status 1 names each hit.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PATTERNS = {
    "object repr": re.compile(r"object at 0x[0-9a-f]+"),
    "warning with a path": re.compile(r"(/|\\)[\w.-]+\.py:\d+: \w*Warning"),
    "bare boolean": re.compile(r"^ {4}(True|False)\s*$"),
}


def main() -> int:
    folder = Path(__file__).parent / "auto_examples"
    hits = []
    for page in sorted(folder.glob("*.rst")):
        for number, line in enumerate(page.read_text().splitlines(), 1):
            for what, pattern in PATTERNS.items():
                if pattern.search(line):
                    hits.append(f"{page.name}:{number}: {what}: {line.strip()[:100]}")
    for hit in hits:
        print(hit, file=sys.stderr)
    if not folder.exists() or not any(folder.glob("plot_*.rst")):
        print(f"no rendered examples in {folder}", file=sys.stderr)
        return 1
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())
