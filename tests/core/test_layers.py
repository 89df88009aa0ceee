"""The layers in .importlinter hold, and the checker really bites: a copy of festa/ with one
deliberate lower→higher import fails `lint-imports`, naming that import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(source_root: Path) -> subprocess.CompletedProcess:
    """lint-imports with the project's contracts on the `festa` package under source_root."""
    env = {**os.environ, "PYTHONPATH": str(source_root)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", str(CONFIG)], cwd=source_root,
                          env=env, capture_output=True, text=True, timeout=300)


def test_the_layers_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_lower_layer_importing_a_higher_one_fails(tmp_path):
    shutil.copytree(ROOT / "festa", tmp_path / "festa",
                    ignore=shutil.ignore_patterns("__pycache__", "translations"))
    audit = tmp_path / "festa" / "audit" / "services.py"
    audit.write_text(audit.read_text(encoding="utf-8") + "\n\ndef _reach_up():\n"
                     "    from festa.registration import queries  # noqa: F401\n",
                     encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert "festa.audit.services -> festa.registration.queries" in result.stdout
