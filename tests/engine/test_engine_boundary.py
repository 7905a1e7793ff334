"""Import boundary: pix_lti.engine is pure Python + numpy (issue 4)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pix_lti.engine

ENGINE_DIR = Path(pix_lti.engine.__file__).parent
FORBIDDEN_TOP = {"flask", "sqlalchemy", "flask_babel", "flask_wtf", "alembic", "werkzeug", "jinja2", "redis", "psycopg"}


def test_importing_the_engine_loads_neither_flask_nor_sqlalchemy() -> None:
    code = (
        "import sys, pix_lti.engine, pix_lti.engine.checker, pix_lti.engine.calibration;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'sqlalchemy', 'werkzeug'});"
        "print(','.join(bad))"
    )
    root = ENGINE_DIR.parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True, timeout=60
    )
    assert out.stdout.strip() == ""


def test_no_engine_module_imports_web_or_database_code() -> None:
    offenders = []
    for path in sorted(ENGINE_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative import: stays inside the package
                    continue
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in FORBIDDEN_TOP or (top == "pix_lti" and not name.startswith("pix_lti.engine")):
                    offenders.append(f"{path.relative_to(ENGINE_DIR)}: {name}")
    assert offenders == []
