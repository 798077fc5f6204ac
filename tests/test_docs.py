"""The README documents every command and option, and its set-up commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from advisories.cli import _parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_every_subcommand_and_option_is_in_the_readme() -> None:
    parser = _parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, subparser in sub.choices.items():  # type: ignore[union-attr]
        assert f"advisories {name}" in README, name
        for action in subparser._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in README, f"{name} {option}"


def test_ci_runs_the_readme_test_command() -> None:
    [command] = re.findall(r"```sh\n(pip install -e '\.\[test\]'.*?)\n```", README)
    assert command.split("&& ")[-1] in (ROOT / ".ci" / "run").read_text()
