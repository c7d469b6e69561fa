"""PDF files from Word and Excel files, through LibreOffice: many files in one soffice run (its start-up is the
slow part), with a private LibreOffice profile so parallel runs and a person's open LibreOffice never clash."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from assistant.documents.files import write_atomic
from assistant.errors import CheckFailed, InputError

SOFFICE_ENV = "ISMS_SOFFICE"
TIMEOUT_SECONDS = 300
MISSING = (
    "LibreOffice (soffice) is not installed: install it with `make office` (Debian: apt-get install "
    "libreoffice-writer-nogui libreoffice-calc-nogui) or set ISMS_SOFFICE"
)
_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
_CONVERTED = re.compile(r"^convert (.+?) -> (.+?) using filter")


def find_soffice() -> str:
    """The LibreOffice program: ISMS_SOFFICE when set, else soffice or libreoffice on the PATH."""
    override = os.environ.get(SOFFICE_ENV, "").strip()
    if override:
        found = shutil.which(override)
        if found is None:
            raise InputError(f"{SOFFICE_ENV}={override}: no such program; {MISSING}")
        return found
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        raise InputError(MISSING)
    return found


def page_count(pdf: Path) -> int | None:
    """The number of pages of a PDF LibreOffice wrote (its page objects), without pdfinfo; None if unreadable."""
    try:
        count = len(_PAGE.findall(pdf.read_bytes()))
    except OSError:
        return None
    return count or None


def to_pdf(
    files: list[Path],
    out_dir: Path,
    *,
    soffice: str | None = None,
    timeout: float = TIMEOUT_SECONDS,
    on_converted: Callable[[Path], None] | None = None,
) -> list[Path]:
    """Convert `files` (.docx, .xlsx) to `out_dir/<stem>.pdf` in one LibreOffice run; the PDFs, in the order of
    `files`. Each PDF is written whole or not at all; none is written when any conversion failed.
    `on_converted` is called with each source file as LibreOffice reports it done."""
    if not files:
        return []
    stems = [f.stem for f in files]
    doubled = sorted({s for s in stems if stems.count(s) > 1})
    if doubled:
        raise ValueError(f"two files would make the same PDF: {', '.join(doubled)}")
    program = soffice or find_soffice()
    with tempfile.TemporaryDirectory(prefix="isms-soffice-") as tmp:
        staging = Path(tmp) / "pdf"
        staging.mkdir()
        command = [
            program, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
            f"-env:UserInstallation={(Path(tmp) / 'profile').as_uri()}",
            "--convert-to", "pdf", "--outdir", str(staging), *(str(f) for f in files),
        ]  # fmt: skip
        output = _run(command, timeout, len(files), files, on_converted)
        failed = [f for f in files if not (staging / f"{f.stem}.pdf").is_file()]
        if failed:
            said = [line for line in output if line.strip() and not _CONVERTED.match(line)]
            raise CheckFailed(
                f"LibreOffice could not convert {len(failed)} of {len(files)} file(s) to PDF; none was written",
                details=[str(f) for f in failed] + said[-5:],
            )
        written = []
        for source in files:
            target = out_dir / f"{source.stem}.pdf"
            write_atomic(target, (staging / f"{source.stem}.pdf").read_bytes())
            written.append(target)
        return written


def _run(
    command: list[str],
    timeout: float,
    count: int,
    files: list[Path],
    on_converted: Callable[[Path], None] | None,
) -> list[str]:
    """Run LibreOffice (in its own process group, so a timeout ends all of it); its output lines."""
    by_name = {str(f): f for f in files}
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        )
    except OSError as exc:
        raise InputError(
            f"{command[0]}: could not start LibreOffice ({exc.strerror or exc}); {MISSING}"
        ) from None
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout, stop)
    timer.start()
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            match = _CONVERTED.match(line)
            if match and on_converted is not None and match.group(1) in by_name:
                on_converted(by_name[match.group(1)])
        process.wait()
    except BaseException:
        stop()
        process.wait()
        raise
    finally:
        timer.cancel()
    if timed_out.is_set():
        raise CheckFailed(
            f"LibreOffice did not finish converting {count} file(s) to PDF within {timeout:.0f} s and was "
            "stopped; nothing was written. Run the command again, or convert fewer documents at a time."
        )
    return lines


__all__ = ["MISSING", "SOFFICE_ENV", "find_soffice", "page_count", "to_pdf"]
