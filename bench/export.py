"""Benchmark the office outputs: every Word file of a generated set, soa.xlsx and the evidence guide.

    .venv/bin/python bench/export.py [--example kestrel-saas] [--repeat 3]

The example is generated offline into a temporary folder once; then, in this process, each document's
Markdown is rendered to Word (as `isms generate` and the review workspace do: change history, the
organisation's country, landscape for the SoA) and the SoA rows to soa.xlsx and the evidence guide.
The best of `--repeat` rounds is reported (the first round also loads python-docx and openpyxl).

Target (issue 16): Word + Excel export of the whole set <= 2 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--example", default="kestrel-saas")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from assistant.cli.loading import load_inputs
    from assistant.documents.docx_export import render_docx
    from assistant.documents.docx_layout import organisation_country
    from assistant.documents.markdown import read_document
    from assistant.documents.soa_csv import read_soa_csv
    from assistant.documents.soa_xlsx import render_soa_xlsx
    from assistant.drafting.engine import SOA_DOC
    from assistant.drafting.models import Soa
    from assistant.generation.evidence_guide import write_evidence_guide
    from assistant.generation.manifest import Manifest

    with tempfile.TemporaryDirectory(prefix="isms-bench-export-") as tmp:
        ws = Path(tmp) / args.example
        shutil.copytree(REPO / "examples" / args.example, ws, ignore=shutil.ignore_patterns(".isms", "out"))
        isms = str(Path(sys.executable).with_name("isms"))
        subprocess.run([isms, "generate", "--workspace", str(ws)], check=True, stdout=subprocess.DEVNULL)
        inputs = load_inputs(ws)
        out = inputs.workspace.out_dir
        manifest = Manifest(out)
        documents = sorted(out.glob("*.md"))
        documents = [p for p in documents if p.stem in inputs.corpus.documents]
        soa = Soa(
            rows=read_soa_csv(out / "soa.csv"), provider="", model="", prompt_version="", inputs_hash=""
        )
        country = organisation_country(inputs.profile)
        name = inputs.profile.identity.legal_name
        rounds = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            word = 0
            for path in documents:
                data = render_docx(
                    read_document(path), inputs.corpus, name, manifest.history(path.stem),
                    landscape=path.stem == SOA_DOC, country=country,
                )  # fmt: skip
                word += len(data)
            word_seconds = time.perf_counter() - started
            xlsx = render_soa_xlsx(soa, name, classification=inputs.profile.document_control.classification)
            write_evidence_guide(Path(tmp), soa, inputs.corpus, inputs.profile.identity.name)
            rounds.append((time.perf_counter() - started, word_seconds, word, len(xlsx)))
    total, word_seconds, word, xlsx_size = min(rounds)
    print(
        f"example {args.example}: {len(documents)} Word files ({word / 1e6:.1f} MB), soa.xlsx and the evidence guide"
    )
    print(f"first round {rounds[0][0]:.2f} s (loads python-docx and openpyxl)")
    print(
        f"best of {args.repeat}: {total:.2f} s in all, Word {word_seconds:.2f} s, Excel {total - word_seconds:.2f} s"
    )
    print(f"target <= 2 s: {'met' if total <= 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
