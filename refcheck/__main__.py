"""``python -m refcheck``."""

from refcheck.cli import run

run()
