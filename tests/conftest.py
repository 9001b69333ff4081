"""Shared fixtures: a headless Chromium for the browser tests (tests/test_browser.py).

The browser is the system's Chromium (Debian's ``chromium`` package, /usr/bin/chromium, or
the executable named by REFCHECK_CHROMIUM), driven by Playwright's Python package.
``playwright install`` is never run: without a Chromium or without Playwright the browser
tests skip, saying which is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_CANDIDATES = ("/usr/bin/chromium", "/usr/lib/chromium/chromium", "/usr/bin/chromium-browser")
# Headless, no sandbox (CI containers run as root), and nothing fetched behind the test's back.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run",
                 "--disable-default-apps", "--disable-sync", "--no-default-browser-check"]  # fmt: skip


def chromium_executable() -> str | None:
    """The system Chromium to drive, or None."""
    named = os.environ.get("REFCHECK_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    for candidate in (*_CANDIDATES, shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


# Module scope, not session: Playwright's sync API runs an event loop in the main thread while
# it is open, and tests of other modules that call asyncio.run would find it running.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium (playwright.sync_api.Browser); skips when there is none."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        pytest.skip("browser tests: the playwright package is not installed (pip install -e '.[test]')")
    executable = chromium_executable()
    if executable is None:
        pytest.skip("browser tests: no Chromium found (apt-get install chromium, or set REFCHECK_CHROMIUM)")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        except Error as error:
            pytest.skip(f"browser tests: {executable} does not start under Playwright: {str(error).splitlines()[0]}")
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page (its own context: no cookies or downloads shared between tests)."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()
