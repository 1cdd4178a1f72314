"""Render page 1 of a CMS-1500 PDF to PNG, so a person can look at the layout.

Usage:
  python tools/render_cms1500.py [CLAIMS.pdf] [--out page1.png] [--form data|full] [--dpi 100]

With a PDF (from ``medbill claim print``), its first page is rendered. Without one, a sample
nine-line claim (no database needed) is printed first, in ``--form`` mode (default full).
Needs pdftoppm (Debian/Ubuntu: apt-get install poppler-utils).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from medbill_cli.forms import cms1500
from medbill_cli.forms.pdf import FormMode, write_pdf
from medbill_cli.x12 import p837


def sample_pdf(path: Path, form: FormMode) -> None:
    """A secondary claim of nine lines for a patient with another coverage."""
    home = p837.Address("456 Oak Ave", "Albany", "NY", "12203")
    patient = p837.Person("Doe", "John", dt.date(1970, 3, 15), "M", "Q", home)
    dos = dt.date.today() - dt.timedelta(days=3)
    codes = [("99213", 12500, (1, 2), ("25",)), ("87880", 2550, (1,), ()),
             ("97110", 6000, (5,), ("59",)), ("36415", 1000, (3, 4), ()),
             ("81002", 800, (4,), ()), ("93000", 4500, (3,), ()), ("90471", 2500, (2,), ()),
             ("85025", 1800, (4, 3, 2, 1), ()), ("20610", 17500, (5,), ("RT",))]
    lines = tuple(p837.ServiceLine(code, cents, 2 if code == "97110" else 1, dos, ptrs, mods)
                  for code, cents, ptrs, mods in codes)
    claim = p837.ClaimOut(
        pcn="C00000042", pos="11", diagnoses=("J06.9", "R50.9", "M17.11", "I10", "E11.9"),
        subscriber=patient, member_id="1EG4TE5MK73", payer=p837.PayerInfo("Beacon Medicare",
                                                                          "BCN02"),
        lines=lines, priority="secondary", filing_indicator="MB",
        rendering=p837.RenderingProvider("1987654328", "Ruiz", "Ana"),
        other_payers=(p837.OtherPayer("primary", "self", patient, "XJ123456789",
                                      p837.PayerInfo("Acme Health", "ACME1"), paid_cents=29700),))
    billing = p837.BillingProvider(
        "Main Street Family Medicine", "1234567893", "12-3456789",
        p837.Address("100 Main St", "Albany", "NY", "122071234"), "207Q00000X")
    header = cms1500.FormHeader(billing, dt.date.today(), "5185550100")
    pages = cms1500.render(claim, header)
    path.write_bytes(write_pdf(pages, form=form))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdf", nargs="?", type=Path)
    ap.add_argument("--out", type=Path, default=Path("cms1500-page1.png"))
    ap.add_argument("--form", choices=[m.value for m in FormMode], default="full")
    ap.add_argument("--dpi", type=int, default=100)
    a = ap.parse_args()
    if shutil.which("pdftoppm") is None:
        print("pdftoppm not found: install poppler-utils", file=sys.stderr)
        return 4
    with tempfile.TemporaryDirectory() as tmp:
        pdf = a.pdf
        if pdf is None:
            pdf = Path(tmp) / "sample.pdf"
            sample_pdf(pdf, FormMode(a.form))
        stem = Path(tmp) / "page"
        subprocess.run(["pdftoppm", "-png", "-r", str(a.dpi), "-f", "1", "-l", "1",
                        "-singlefile", str(pdf), str(stem)], check=True)
        shutil.move(str(stem.with_suffix(".png")), a.out)
    print(f"Wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
