"""The package list in pyproject.toml names every package, and styles/ ships as refcheck.styles."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_listed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    found = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "refcheck").rglob("__init__.py")
        if "__pycache__" not in path.parts
    }
    listed = set(config["packages"])
    assert found | {"refcheck.styles"} == listed
    assert config["package-dir"]["refcheck.styles"] == "styles"


def test_styles_are_importable_as_package_data() -> None:
    from importlib import resources

    assert resources.files("refcheck.styles").joinpath("aliases.toml").is_file()
