"""Ship the top-level templates/ and rules/ inside the package, so an installed copy (a wheel,
the Docker image) finds its defaults. An editable checkout reads them in place instead."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithDefaults(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        root = Path(__file__).parent
        for name in ("templates", "rules"):
            target = Path(self.build_lib) / "advisories" / "_defaults" / name
            shutil.rmtree(target, ignore_errors=True)
            # Drafts from `advisories draft-rule` are an operator's work in progress, never shipped.
            shutil.copytree(root / name, target, ignore=shutil.ignore_patterns("drafts"))


setup(cmdclass={"build_py": BuildWithDefaults})
