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


def _manifests() -> list[dict]:
    import yaml

    blocks = re.findall(r"```yaml\n(.*?)```", README, re.DOTALL)
    return [doc for block in blocks for doc in yaml.safe_load_all(block) if doc]


def test_the_kubernetes_manifests_parse_and_run_it_safely() -> None:
    by_name = {(m["kind"], m["metadata"]["name"]): m for m in _manifests()}
    run = by_name[("CronJob", "advisories")]["spec"]
    assert run["concurrencyPolicy"] == "Forbid" and run["timeZone"] == "Europe/London"
    assert run["startingDeadlineSeconds"] > 0
    pod = run["jobTemplate"]["spec"]["template"]["spec"]
    # The image's user must be able to create the state file on a volume mounted as root.
    assert pod["securityContext"]["fsGroup"] == pod["securityContext"]["runAsUser"] == 10001
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "configMap" not in volumes["config"]  # 1 MiB, and no folders: rules and inventories need a volume
    assert pod["containers"][0]["args"] == ["run", "--once"]

    serve = by_name[("Deployment", "advisories")]["spec"]
    assert serve["replicas"] == 1 and serve["strategy"]["type"] == "Recreate"  # never two at once
    assert serve["template"]["spec"]["securityContext"]["fsGroup"] == 10001
    assert serve["template"]["spec"]["containers"][0]["args"] == ["serve"]

    sync = by_name[("CronJob", "advisories-inventories")]["spec"]
    assert sync["concurrencyPolicy"] == "Forbid" and sync["timeZone"] == "Europe/London"
