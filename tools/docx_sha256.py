"""Print the sha256 of every DOCX lettergen writes for the reference campaigns.

The list it prints is committed as ``tests/data/docx_sha256.txt``; ``tests/test_docx_identity.py``
compares against it, so a refactoring that changes a byte of a letter fails. A change of the
letters made on purpose regenerates the list (``python tools/docx_sha256.py >
tests/data/docx_sha256.txt``) and says why in its commit.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from lettergen.cli import cli

# (name, recipients file or None for the example campaign, letter date)
CAMPAIGNS = (
    ("exemple", None, "2021-07-01"),
    ("presidents", "recipients/rne_presidents_2026-05-06.csv", "2026-12-01"),
)


def campaign_hashes(root: Path) -> list[str]:
    """One line per letter written (``name/file  sha256``), then one per letter refused (``name/refusé  …``).

    A letter La Poste could not deliver (incomplete postal address) is refused and the others written
    (``--skip-invalid``): the refusal is part of the list, so that a change in what is refused shows.
    """
    lines = []
    for name, recipients, letter_date in CAMPAIGNS:
        with tempfile.TemporaryDirectory() as out:
            args = ["generate", "--date", letter_date, "-o", out, "--jobs", "1", "--skip-invalid"]
            if recipients:
                args += ["-r", str(root / recipients)]
            result = CliRunner().invoke(cli, args, catch_exceptions=False)
            if result.exit_code not in (0, 1):
                raise SystemExit(f"{name}: generate exited {result.exit_code}\n{result.output}")
            for path in sorted(Path(out).rglob("*.docx")):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                lines.append(f"{name}/{path.relative_to(out)}  {digest}")
            refused = [
                line.replace(f"{root}/", "")
                for line in result.stderr.splitlines()
                if "attention :" not in line and not line.endswith(("lettre ignorée", "lettres ignorées"))
            ]
            lines.extend(f"{name}/refusé  {line}" for line in refused)
    return lines


if __name__ == "__main__":
    sys.stdout.write("\n".join(campaign_hashes(Path.cwd())) + "\n")
