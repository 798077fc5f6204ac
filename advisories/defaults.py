"""The shipped `templates` and `rules` folders: in a checkout, or inside an installed package
(setup.py copies them to advisories/_defaults), so a wheel or the Docker image finds them."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

CATALOGUE_FILE = "products.toml"


def default_folder(name: str) -> Path:
    packaged = Path(str(resources.files("advisories"))) / "_defaults" / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / name


def catalogue_path(rules: Path) -> Path:
    """The rules folder's products.toml, else the shipped one: the catalogue is reference data
    every install needs, like the templates; a folder of one's own rules need not copy it."""
    own = rules / CATALOGUE_FILE
    return own if own.is_file() else default_folder("rules") / CATALOGUE_FILE
