"""The `isms` command: the composition root that wires the core, the harness and the UI."""

from __future__ import annotations

import typer

from assistant.cli.approvals_cmd import approvals_cmd
from assistant.cli.corpus_cmds import corpus_app
from assistant.cli.decisions_cmd import decisions_cmd
from assistant.cli.doctor_cmd import doctor_cmd
from assistant.cli.draft_cmds import draft_cmd
from assistant.cli.eval_cmd import eval_cmd
from assistant.cli.export_cmds import export_cmd, pack_cmd
from assistant.cli.gaps_cmd import gaps_cmd
from assistant.cli.generate_cmd import generate_cmd
from assistant.cli.import_cmd import import_cmd
from assistant.cli.index_cmds import index_app, search_cmd
from assistant.cli.init_cmd import init_cmd
from assistant.cli.inputs_cmds import config_app, profile_app, risks_app
from assistant.cli.ui_cmd import ui_cmd

app = typer.Typer(
    name="isms",
    help="ISO/IEC 27001:2022 drafting assistant.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("init")(init_cmd)
app.add_typer(config_app, name="config")
app.add_typer(profile_app, name="profile")
app.add_typer(risks_app, name="risks")
app.add_typer(corpus_app, name="corpus")
app.add_typer(index_app, name="index")
app.command("search")(search_cmd)
app.command("draft")(draft_cmd)
app.command("generate")(generate_cmd)
app.command("eval")(eval_cmd)
app.command("ui")(ui_cmd)
app.command("import")(import_cmd)
app.command("decisions")(decisions_cmd)
app.command("doctor")(doctor_cmd)
app.command("gaps")(gaps_cmd)
app.command("approvals")(approvals_cmd)
app.command("export")(export_cmd)
app.command("pack")(pack_cmd)


def run() -> None:
    app()


if __name__ == "__main__":
    run()
