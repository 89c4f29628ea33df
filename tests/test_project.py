"""The layout shows the architecture, and the README's file map is true."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_bot_never_imports_rasa_or_actions() -> None:
    for path in (ROOT / "bot").rglob("*.py"):
        forbidden = imported_modules(path) & {"rasa", "rasa_sdk", "actions", "components"}
        assert not forbidden, f"{path} imports {forbidden}"


def full_imports(path: Path) -> set[str]:
    """Every module a file imports, by its full dotted name (anywhere in the file)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_console_app_and_its_views_do_not_import_each_other() -> None:
    """Issue 13: app.py and views.py imported each other; the helpers have a module now."""
    console = ROOT / "bot" / "console"
    assert "bot.console.app" not in full_imports(console / "views.py")
    for helper in ("sessions.py", "errors.py"):
        assert not {"bot.console.app", "bot.console.views"} & full_imports(console / helper)
    assert "bot.console.sessions" in full_imports(console / "views.py")


def test_modules_do_no_io_at_import() -> None:
    # No engine, file read or network call at module level: look at top-level statements.
    for folder in ("bot", "actions", "components"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for node in ast.parse(text).body:
                if isinstance(node, (ast.Assign, ast.AnnAssign, ast.Expr)):
                    source = ast.get_source_segment(text, node) or ""
                    assert not re.search(
                        r"\b(open|read_text|load_settings|get_settings|create_engine|requests\.)\(",
                        source,
                    ), f"{path}: {source}"


def test_every_path_in_the_readme_file_map_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## File map", 1)[1].split("\n## ", 1)[0]
    paths = re.findall(r"^\s*[-*] `([^`]+)`", section, flags=re.MULTILINE)
    assert len(paths) >= 15
    missing = [p for p in paths if not (ROOT / p.rstrip("/")).exists()]
    assert not missing


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^\s*(exec )?make test\s*$", ci, flags=re.MULTILINE)
    assert "make test" in (ROOT / "README.md").read_text(encoding="utf-8")
