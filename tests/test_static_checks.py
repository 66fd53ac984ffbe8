"""The code passes its linters: ruff (style and likely bugs) and bandit (security smells).

They run here, inside the suite, so the README's one test command is all CI needs."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_bandit_has_no_medium_or_high_finding():
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-r", "isocrm", "app.py", "-f", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    report = json.loads(result.stdout)
    assert report["errors"] == []
    serious = [
        f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}"
        for r in report["results"]
        if r["issue_severity"] in ("MEDIUM", "HIGH")
    ]
    assert serious == []
    assert report["metrics"]["_totals"]["loc"] > 5000  # it really read the package
