"""Hostile-input battery: every case runs the real `isms` command on a private copy of an example workspace
and must end cleanly: the expected exit code, a message naming what is wrong, no traceback, within 30 s,
and nothing already written damaged.

    python bench/hostile.py [--only CATEGORY] [--list]

Prints cases tried / handled / failures per category; exit 1 when any case fails.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "kestrel-saas"
LIMIT_SECONDS = 30.0


@dataclass
class Case:
    category: str
    name: str
    args: list[str]  # after `isms`; {ws} is the workspace, {out} its out/ folder
    setup: Callable[[Path], None] = lambda ws: None
    expect: tuple[int, ...] = (2,)
    says: str = ""  # a word the message must contain (a file or field name)
    env: dict[str, str] | None = None
    after: Callable[[Path, int], str] | None = None  # (workspace, exit code) -> a failure reason, or ""


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISMS_") and k != "OPENAI_API_KEY"}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False", ISMS_LOCK_WAIT="0")
    env.update(extra or {})
    return env


def _write(rel: str, data: bytes | str) -> Callable[[Path], None]:
    def setup(ws: Path) -> None:
        path = ws / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)

    return setup


def _profile_edit(old: str, new: str) -> Callable[[Path], None]:
    def setup(ws: Path) -> None:
        path = ws / "profile.yaml"
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return setup


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buffer.getvalue()


def _generated(ws: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "assistant.cli.main", "generate", "--workspace", str(ws)],
        env=_env(None), capture_output=True, timeout=120, check=True,
    )  # fmt: skip


def _then(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def setup(ws: Path) -> None:
        for step in steps:
            step(ws)

    return setup


def _store_damage(kind: str) -> Callable[[Path], None]:
    def setup(ws: Path) -> None:
        _generated(ws)
        db = ws / ".isms" / "store.sqlite"
        if kind == "truncated":
            db.write_bytes(db.read_bytes()[:3000])
        elif kind == "random":
            db.write_bytes(os.urandom(8192))
        elif kind == "text":
            db.write_text("not a database\n")
        elif kind == "empty":
            db.write_bytes(b"")
        elif kind == "folder":
            db.unlink()
            db.mkdir()
        elif kind == "foreign":
            db.unlink()
            con = sqlite3.connect(db)
            con.execute("create table cats (name text)")
            con.commit()
            con.close()

    return setup


def _store_attack(sql: str) -> Callable[[Path], None]:
    def setup(ws: Path) -> None:
        _generated(ws)
        con = sqlite3.connect(ws / ".isms" / "store.sqlite")
        try:
            con.execute(sql)
            con.commit()
            (ws / "attack-succeeded").write_text(sql)  # then `isms doctor --verify` must report it
        except sqlite3.DatabaseError:
            pass  # refused by the store's triggers
        finally:
            con.close()

    return setup


def _tamper_evident(ws: Path, code: int) -> str:
    succeeded = (ws / "attack-succeeded").exists()
    if succeeded and code == 0:
        return "the store accepted the change and `isms doctor --verify` did not report it"
    if not succeeded and code != 0:
        return "the change was refused, yet `isms doctor --verify` reports a damaged store"
    return ""


def _unchanged_files(names: dict[str, str]) -> Callable[[Path, int], str]:
    def check(ws: Path, code: int) -> str:
        for rel, text in names.items():
            path = ws / rel
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                return f"{rel} was changed or removed"
        return ""

    return check


BILLION_LAUGHS = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
    f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
    for i in range(9)
)
FORMULA_RISKS = (
    "id,title,description,owner,likelihood,impact,treatment,controls\n"
    'R-001,"=HYPERLINK(""http://evil.example"",""click"")",@SUM(1+1) description,security_lead,4,4,mitigate,A.8.5\n'
)


def cases() -> list[Case]:
    ws_profile = ["profile", "check", "--workspace", "{ws}"]
    ws_risks = ["risks", "check", "--workspace", "{ws}"]
    gen = ["generate", "--workspace", "{ws}"]
    out: list[Case] = []
    add = out.append
    # --- profile
    add(
        Case(
            "profile",
            "billion laughs",
            ws_profile,
            _write("profile.yaml", BILLION_LAUGHS),
            says="profile.yaml",
        )
    )
    add(
        Case(
            "profile",
            "recursive alias",
            ws_profile,
            _write("profile.yaml", "a: &a [*a]\n"),
            says="profile.yaml",
        )
    )
    add(Case("profile", "duplicate key", ws_profile,
             _profile_edit("acceptance_threshold: 8", "acceptance_threshold: 8\n  acceptance_threshold: 25"),
             says="acceptance_threshold"))  # fmt: skip
    add(
        Case(
            "profile",
            "binary",
            ws_profile,
            _write("profile.yaml", b"\x00\x01\x02" * 100),
            says="profile.yaml",
        )
    )
    add(Case("profile", "not utf-8", ws_profile, _write("profile.yaml", "identity: caf\xe9\n".encode("latin-1")),
             says="profile.yaml"))  # fmt: skip
    add(Case("profile", "empty", ws_profile, _write("profile.yaml", ""), says="profile.yaml"))
    add(Case("profile", "a list", ws_profile, _write("profile.yaml", "- a\n- b\n"), says="profile.yaml"))
    add(Case("profile", "huge", ws_profile, _write("profile.yaml", "x: " + "a" * (6 * 1024 * 1024)),
             says="profile.yaml"))  # fmt: skip
    add(Case("profile", "old format", ws_profile,
             _profile_edit("practices:\n", "practices:\n  access_review_months: 6\n"),
             says="access_review_months"))  # fmt: skip
    add(Case("profile", "unknown notifier", ws_profile, _profile_edit("notifier: dpo", "notifier: nobody"),
             says="notifier"))  # fmt: skip
    add(
        Case(
            "profile",
            "threshold out of range",
            ws_profile,
            _profile_edit("acceptance_threshold: 8", "acceptance_threshold: 99"),
            says="acceptance_threshold",
        )
    )
    add(Case("profile", "deep nesting", ws_profile, _write("profile.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n"),
             says="profile.yaml"))  # fmt: skip
    add(Case("profile", "folder", ws_profile, lambda ws: ((ws / "profile.yaml").unlink(), (ws / "profile.yaml").mkdir()),
             says="profile.yaml"))  # fmt: skip
    # --- register
    add(
        Case(
            "register",
            "csv with NUL",
            ws_risks,
            _write("risks.csv", b"id,title\x00\nR-1,x\n"),
            says="risks.csv",
        )
    )
    add(
        Case(
            "register",
            "csv missing columns",
            ws_risks,
            _write("risks.csv", "id,title\nR-1,x\n"),
            says="risks.csv",
        )
    )
    add(Case("register", "csv bad score", ws_risks,
             _write("risks.csv", "id,title,description,owner,likelihood,impact,treatment,controls\n"
                    "R-1,t,d,security_lead,9,1,mitigate,A.8.5\n"), says="likelihood"))  # fmt: skip
    add(Case("register", "csv 2013 control", ws_risks,
             _write("risks.csv", "id,title,description,owner,likelihood,impact,treatment,controls\n"
                    "R-1,t,d,security_lead,2,2,mitigate,A.9.2.3\n"), says="A.9.2.3"))  # fmt: skip
    add(Case("register", "huge csv line", ws_risks, _write("risks.csv", "id," + "x" * (20 * 1024 * 1024) + "\n"),
             says="risks.csv"))  # fmt: skip

    def xlsx_bomb(ws: Path) -> None:
        (ws / "risks.csv").unlink()
        (ws / "risks.xlsx").write_bytes(_zip({"[Content_Types].xml": b"<x/>", "xl/worksheets/sheet1.xml":
                                              b"<a>" + b"0" * (300 * 1024 * 1024) + b"</a>"}))  # fmt: skip

    add(Case("register", "xlsx zip bomb", ws_risks, xlsx_bomb, says="risks.xlsx"))

    def xlsx_truncated(ws: Path) -> None:
        (ws / "risks.csv").unlink()
        (ws / "risks.xlsx").write_bytes(_zip({"[Content_Types].xml": b"<x/>"})[:40])

    add(Case("register", "xlsx truncated", ws_risks, xlsx_truncated, says="risks.xlsx"))

    def xlsx_text(ws: Path) -> None:
        (ws / "risks.csv").unlink()
        (ws / "risks.xlsx").write_text("id,title\n")

    add(Case("register", "xlsx that is text", ws_risks, xlsx_text, says="risks.xlsx"))
    # --- workspace and settings
    add(
        Case(
            "workspace",
            "missing workspace",
            ["profile", "check", "--workspace", "{ws}/nowhere"],
            says="nowhere",
        )
    )
    add(Case("workspace", "out is a file", ["generate", "--out", "{ws}/profile.yaml", "--workspace", "{ws}"],
             says="profile.yaml"))  # fmt: skip
    others = {"mine/.session.tmp": "session", "mine/.vimrc.tmp": "vim", "mine/notes.txt": "notes"}
    add(Case("workspace", "out holds other files", ["generate", "--out", "{ws}/mine", "--workspace", "{ws}"],
             _then(*(_write(k, v) for k, v in others.items())), says="mine",
             after=_unchanged_files(others)))  # fmt: skip
    add(Case("workspace", "out holds other files, --force",
             ["generate", "--force", "--out", "{ws}/mine", "--workspace", "{ws}"],
             _then(*(_write(k, v) for k, v in others.items())), expect=(0,),
             after=_unchanged_files(others)))  # fmt: skip
    add(Case("workspace", "manifest is a list", gen, _then(_generated, _write("out/manifest.json", "[1,2]")),
             says="manifest.json"))  # fmt: skip
    add(Case("workspace", "manifest is a folder", gen,
             _then(_generated, lambda ws: ((ws / "out/manifest.json").unlink(), (ws / "out/manifest.json").mkdir())),
             says="manifest.json"))  # fmt: skip
    add(Case("workspace", "document is a folder", ["generate", "--force", "--workspace", "{ws}"],
             _then(_generated, lambda ws: ((ws / "out/cryptography-policy.md").unlink(),
                                           (ws / "out/cryptography-policy.md").mkdir())),
             says="cryptography-policy.md"))  # fmt: skip
    add(Case("workspace", "broken front matter", ["generate", "--force", "--workspace", "{ws}"],
             _then(_generated, _write("out/access-control-policy.md", "---\nid: [x\n---\n# A\n")),
             says="access-control-policy.md"))  # fmt: skip
    add(Case("settings", "bad prices JSON", gen, env={"ISMS_PRICES": "{bad"}, says="PRICES"))
    add(Case("settings", "unknown provider", gen, env={"ISMS_PROVIDER": "nope"}, says="provider"))
    add(Case("settings", "concurrency out of range", gen, env={"ISMS_CONCURRENCY": "0"}, says="concurrency"))
    add(Case("settings", "missing prompts dir", ["draft", "access-control-policy", "--workspace", "{ws}"],
             env={"ISMS_PROMPTS_DIR": "/nonexistent/prompts", "ISMS_PROVIDER": "openai", "ISMS_API_KEY": "k",
                  "ISMS_BASE_URL": "http://127.0.0.1:9"}, says="prompts"))  # fmt: skip
    add(
        Case(
            "settings",
            "missing corpus dir",
            gen,
            env={"ISMS_CORPUS_DIR": "/nonexistent/corpus"},
            says="corpus",
        )
    )
    add(Case("settings", "missing Word template", gen, env={"ISMS_DOCX_TEMPLATE": "/nonexistent/t.docx"},
             says="t.docx"))  # fmt: skip
    add(Case("settings", "bad lock wait", gen, env={"ISMS_LOCK_WAIT": "soon"}, says="ISMS_LOCK_WAIT"))
    add(
        Case(
            "settings",
            "--only escaping",
            ["generate", "--only", "../x", "--workspace", "{ws}"],
            says="--only",
        )
    )
    add(
        Case("settings", "--only unknown", ["generate", "--only", "nope", "--workspace", "{ws}"], says="nope")
    )
    # --- docs/
    register = ["generate", "--only", "documented-information-procedure", "--workspace", "{ws}"]

    def listed(name: str) -> Callable[[Path, int], str]:
        def check(ws: Path, code: int) -> str:
            text = (ws / "out" / "documented-information-procedure.md").read_text(encoding="utf-8")
            row = next((line for line in text.splitlines() if line.startswith(f"| {name} |")), "")
            return "" if "could not be read" in row else f"{name} is not listed as unreadable"

        return check

    add(Case("docs", "huge one-line text file", register, _write("docs/huge.txt", "x" * (19 * 1024 * 1024)),
             expect=(0,), after=listed("huge.txt")))  # fmt: skip
    add(Case("docs", "docx zip bomb", register,
             _write("docs/bomb.docx", _zip({"word/document.xml": b"<w/>" + b" " * (200 * 1024 * 1024)})),
             expect=(0,), after=listed("bomb.docx")))  # fmt: skip
    xxe = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           b"<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>")  # fmt: skip
    add(Case("docs", "docx with external entity", register, _write("docs/xxe.docx", _zip({"word/document.xml": xxe})),
             expect=(0,), after=listed("xxe.docx")))  # fmt: skip
    add(Case("docs", "pdf that is text", register, _write("docs/fake.pdf", "not a pdf"), expect=(0,),
             after=listed("fake.pdf")))  # fmt: skip
    add(Case("docs", "name with markup", register, _write("docs/[red]x[/red].md", "\x00bad"), expect=(0,)))

    def outside_link(ws: Path) -> None:
        outside = ws.parent / "outside"
        outside.mkdir(exist_ok=True)
        (outside / "secret.md").write_text("# Secret\n\nNever carry the private word zanzibar.")
        shutil.rmtree(ws / "docs")
        (ws / "docs").symlink_to(outside)

    def not_read(ws: Path, code: int) -> str:
        leaked = [p.name for p in (ws / "out").glob("*.md") if "zanzibar" in p.read_text(encoding="utf-8")]
        return f"text from outside the workspace reached {leaked}" if leaked else ""

    add(Case("docs", "docs is a symlink leaving the workspace", ["generate", "--workspace", "{ws}"], outside_link,
             expect=(0,), after=not_read))  # fmt: skip
    # --- faults
    background: list[subprocess.Popen[bytes]] = []

    def killed_midway(ws: Path) -> None:
        proc = subprocess.Popen([sys.executable, "-m", "assistant.cli.main", "generate", "--workspace", str(ws)],
                                env=_env(None), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(2.8)
        proc.kill()
        proc.wait()

    def consistent(ws: Path, code: int) -> str:
        check = subprocess.run([sys.executable, "-m", "assistant.cli.main", "doctor", "--check", "--workspace",
                                str(ws)], env=_env(None), capture_output=True, timeout=60)  # fmt: skip
        return "" if check.returncode == 0 else "doctor --check: " + check.stderr.decode()[-300:]

    add(Case("faults", "kill -9 midway, then generate", gen, killed_midway, expect=(0,), after=consistent))

    def busy(ws: Path) -> None:
        background.append(subprocess.Popen(
            [sys.executable, "-m", "assistant.cli.main", "generate", "--workspace", str(ws)],
            env=_env(None), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # fmt: skip
        time.sleep(1.5)

    def first_finishes(ws: Path, code: int) -> str:
        first = background.pop()
        return "" if first.wait(timeout=120) == 0 else "the first generate failed"

    add(Case("faults", "second generate while one runs", gen, busy, expect=(2,), says="is writing this workspace",
             after=first_finishes))  # fmt: skip
    add(Case("faults", "doctor on a workspace never generated", ["doctor", "--check", "--workspace", "{ws}"],
             expect=(1,), says="no output folder"))  # fmt: skip
    # --- store
    for kind in ("truncated", "random", "text", "empty", "folder", "foreign"):
        add(Case("store", f"store {kind}", ["generate", "--force", "--workspace", "{ws}"], _store_damage(kind),
                 says="store.sqlite"))  # fmt: skip

    def replace_approved(ws: Path) -> None:
        _generated(ws)
        sys.path.insert(0, str(REPO))
        from assistant.store import DocumentStore

        store = DocumentStore.for_workspace(ws / ".isms")
        latest = store.latest("access-control-policy")
        assert latest is not None
        store.review(
            latest.id, reviewer="Priya Raman", decision="approve", comment="", approvers=["Priya Raman"]
        )
        store.close()
        con = sqlite3.connect(ws / ".isms" / "store.sqlite")
        con.row_factory = sqlite3.Row
        row = dict(con.execute("SELECT * FROM versions WHERE id = ?", (latest.id,)).fetchone())
        row["content"] = "forged text"
        try:
            con.execute(f"INSERT OR REPLACE INTO versions ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                        list(row.values()))  # fmt: skip
            con.commit()
            (ws / "attack-succeeded").write_text("replace")
        except sqlite3.DatabaseError:
            pass
        finally:
            con.close()

    add(Case("store", "INSERT OR REPLACE over an approved version", ["doctor", "--verify", "--workspace", "{ws}"],
             replace_approved, expect=(0, 1), after=_tamper_evident))  # fmt: skip
    for name, sql in {
        "forge an approval": "UPDATE versions SET status='approved' WHERE id=1",
        "delete the audit log": "DELETE FROM audit_log",
        "edit a version's text": "UPDATE versions SET content='forged' WHERE id=1",
    }.items():
        add(Case("store", name, ["doctor", "--verify", "--workspace", "{ws}"], _store_attack(sql), expect=(0, 1),
                 after=_tamper_evident))  # fmt: skip

    # --- spreadsheets
    def formula_check(ws: Path, code: int) -> str:
        csv_text = (ws / "out" / "soa.csv").read_text(encoding="utf-8")
        if ",=HYPERLINK" in csv_text or ",@SUM" in csv_text or '"=HYPERLINK' in csv_text:
            return "a formula reached soa.csv unescaped"
        with zipfile.ZipFile(ws / "out" / "soa.xlsx") as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/") and b"<f>" in z.read(name):
                    return f"a formula cell in soa.xlsx ({name})"
        return ""

    add(Case("spreadsheets", "formula in a risk title", gen, _write("risks.csv", FORMULA_RISKS), expect=(0,),
             after=formula_check))  # fmt: skip
    return out


def run_case(case: Case, root: Path) -> tuple[bool, float, str]:
    ws = root / "ws"
    shutil.copytree(EXAMPLE, ws, ignore=shutil.ignore_patterns(".isms", "out"))
    try:
        case.setup(ws)
    except Exception as exc:  # noqa: BLE001 - a broken setup is reported, not raised
        return False, 0.0, f"setup failed: {exc!r}"
    args = [a.replace("{ws}", str(ws)).replace("{out}", str(ws / "out")) for a in case.args]
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "assistant.cli.main", *args],
            env=_env(case.env), capture_output=True, timeout=LIMIT_SECONDS, cwd=root,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return False, LIMIT_SECONDS, f"over {LIMIT_SECONDS:.0f} s"
    seconds = time.perf_counter() - started
    output = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    if "Traceback" in output:
        return False, seconds, "traceback: " + output.strip().splitlines()[-1][:160]
    if proc.returncode not in case.expect:
        return False, seconds, f"exit {proc.returncode}, expected {case.expect}: {output.strip()[:200]}"
    if case.says and case.says.lower() not in " ".join(output.split()).lower():
        return False, seconds, f"message does not name {case.says!r}: {output.strip()[:200]}"
    if case.after is not None:
        problem = case.after(ws, proc.returncode)
        if problem:
            return False, seconds, problem
    return True, seconds, ""


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", help="run one category")
    parser.add_argument("--list", action="store_true", help="list the cases")
    args = parser.parse_args()
    chosen = [c for c in cases() if not args.only or c.category == args.only]
    if args.list:
        for c in chosen:
            print(f"{c.category:13} {c.name}")
        return 0
    totals: dict[str, list[int]] = {}
    failures: list[str] = []
    slowest = 0.0
    for case in chosen:
        with tempfile.TemporaryDirectory(prefix="isms-hostile-") as tmp:
            ok, seconds, why = run_case(case, Path(tmp))
        slowest = max(slowest, seconds)
        tried_handled = totals.setdefault(case.category, [0, 0])
        tried_handled[0] += 1
        tried_handled[1] += ok
        mark = "ok  " if ok else "FAIL"
        print(f"{mark} {case.category:13} {case.name:45} {seconds:5.1f} s  {why}", flush=True)
        if not ok:
            failures.append(f"{case.category}/{case.name}: {why}")
    print()
    print(f"{'category':13} {'tried':>5} {'handled':>7} {'failures':>8}")
    for category, (tried, handled) in totals.items():
        print(f"{category:13} {tried:5} {handled:7} {tried - handled:8}")
    tried = sum(t for t, _ in totals.values())
    handled = sum(h for _, h in totals.values())
    print(f"{'all':13} {tried:5} {handled:7} {tried - handled:8}   slowest case {slowest:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())
