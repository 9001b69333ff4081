"""refcheck as a pre-commit hook (.pre-commit-hooks.yaml) and as a GitHub Action (action.yml).

test_hook_fails_then_passes installs this checkout into a fresh hook environment with
``pre-commit try-repo`` (a pip install from the package index, twice: try-repo keeps no
environment between runs), some 10-15 s each with pip's cache warm.
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))

ARTICLE = "Budgets tightened (Fenwik, 2021).\n\n## References\n\nFenwick, A. (2021) *Budgets*. Leeds: Pier.\n"

has_pre_commit = pytest.mark.skipif(importlib.util.find_spec("pre_commit") is None,
                                    reason="pre-commit is not installed (pip install -e '.[test]')")  # fmt: skip
has_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def hook(hook_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(h for h in HOOKS if h["id"] == hook_id)
    return found


# --- .pre-commit-hooks.yaml -------------------------------------------------------


@has_pre_commit
def test_manifest_is_valid() -> None:
    done = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_hooks() -> None:
    assert [h["id"] for h in HOOKS] == ["refcheck", "refcheck-links"]
    main = hook("refcheck")
    assert main["entry"] == "refcheck check" and main["language"] == "python"
    assert main["require_serial"] is False and "stages" not in main
    links = hook("refcheck-links")
    assert links["entry"] == "refcheck links" and links["stages"] == ["manual"]  # the network, when asked


@pytest.mark.parametrize("name", ["paper.md", "notes/ch1.markdown", "report.qmd", "analysis.Rmd", "thesis.tex",
                                  "main.ltx", "post.html", "post.HTM", "page.xhtml", "essay.txt", "draft.docx"])
def test_hook_takes_articles(name: str) -> None:
    assert re.search(hook("refcheck")["files"], name)


@pytest.mark.parametrize("name", ["refs.bib", "refs.json", "refs.yaml", "setup.py", "Makefile", "a.md.orig",
                                  "docx", "picture.png"])
def test_hook_leaves_other_files(name: str) -> None:
    assert not re.search(hook("refcheck")["files"], name)


def test_hook_takes_every_article_refcheck_reads() -> None:
    from refcheck.formats import ARTICLE_SUFFIXES

    for suffix in ARTICLE_SUFFIXES:
        assert re.search(hook("refcheck")["files"], f"article{suffix}"), suffix


def _git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60, env=_clean_env())
    assert done.returncode == 0, done.stderr
    return done.stdout


def _clean_env() -> dict[str, str]:
    # Not the git repository a test may run inside (a hook of ours), nor a colour or venv of the caller.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "VIRTUAL_ENV"}
    env.update(PRE_COMMIT_COLOR="never", PIP_DISABLE_PIP_VERSION_CHECK="1", NO_COLOR="1")
    return env


_OFFLINE = ("Could not find a version", "NewConnectionError", "Temporary failure in name resolution",
            "Network is unreachable", "ProxyError", "ConnectTimeout")  # fmt: skip


@has_pre_commit
@has_git
def test_hook_fails_then_passes(tmp_path: Path) -> None:
    top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=ROOT, capture_output=True, text=True,
                         env=_clean_env())  # fmt: skip
    if top.returncode != 0 or Path(top.stdout.strip()).resolve() != ROOT:
        pytest.skip(f"{ROOT} is not a git checkout: pre-commit try-repo installs hooks from one")
    repo = tmp_path / "paper"
    repo.mkdir()
    _git("init", "-q", cwd=repo)
    article = repo / "article.md"
    article.write_text(ARTICLE, encoding="utf-8")
    (repo / "notes.py").write_text("# Fenwik, 2021\n", encoding="utf-8")  # not an article: not checked
    _git("add", ".", cwd=repo)

    def try_repo() -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "refcheck", "--all-files"],
                              cwd=repo, capture_output=True, text=True, timeout=600, env=_clean_env())  # fmt: skip
        if done.returncode != 0 and "Installing environment" in done.stdout and any(
            sign in done.stdout + done.stderr for sign in _OFFLINE
        ):
            pytest.skip("pre-commit could not install refcheck's hook: no package index reachable")
        return done

    failed = try_repo()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "refcheck" in failed.stdout and "Failed" in failed.stdout
    assert "article.md:1:20: RC103 author-misspelled ‘Fenwik’ is spelled ‘Fenwick’" in failed.stdout
    assert "notes.py" not in failed.stdout

    article.write_text(ARTICLE.replace("Fenwik,", "Fenwick,"), encoding="utf-8")
    _git("add", ".", cwd=repo)
    passed = try_repo()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"refcheck\.+Passed", passed.stdout), passed.stdout


# --- action.yml -------------------------------------------------------------------


def test_action_is_valid_action_metadata() -> None:
    """Against SchemaStore's schema of action metadata, as check-jsonschema ships it."""
    if importlib.util.find_spec("check_jsonschema") is None:
        pytest.skip("the schema of action.yml comes with check-jsonschema (pip install -e '.[test]')")
    vendor = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    schema = json.loads((vendor / "github-actions.json").read_text(encoding="utf-8"))
    jsonschema.validate(ACTION, schema)


def test_action_inputs() -> None:
    inputs = ACTION["inputs"]
    assert set(inputs) == {"paths", "args", "python-version", "sarif"}
    assert inputs["paths"]["default"] == "." and inputs["python-version"]["default"] == "3.11"
    assert inputs["sarif"]["default"] in (True, "true")
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    used = set(re.findall(r"\binputs\.([A-Za-z0-9_-]+)", text))  # in ${{ }} and in if:
    assert used == set(inputs), "every input declared is used, and every input used is declared"


def test_action_steps() -> None:
    assert ACTION["runs"]["using"] == "composite"
    steps = ACTION["runs"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    assert any(u.startswith("actions/setup-python@") for u in uses)
    upload = next(step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert "inputs.sarif" in upload["if"] and upload["with"]["sarif_file"] == "${{ steps.sarif.outputs.file }}"
    runs = [step for step in steps if "run" in step]
    assert all(step["shell"] == "bash" for step in runs)  # a composite step must say
    assert any("pip install" in step["run"] and step["env"].get("ACTION_PATH") == "${{ github.action_path }}"
               for step in runs)  # fmt: skip
    sarif = next(step for step in runs if step.get("id") == "sarif")
    assert "--format sarif" in sarif["run"] and sarif["env"]["SARIF_FILE"].endswith("/refcheck.sarif")
    assert "--format github" in runs[-1]["run"] and steps[-1] is runs[-1]  # the last step sets the status
    for step in steps:
        # Inputs reach the shell through the environment, never pasted into the script.
        assert "inputs." not in step.get("run", ""), step["run"]
