"""The project as a whole: metadata files, schema, lint and types, start-up cost."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import paperindex
from paperindex import catalogue as cat
from paperindex.model import json_schema

from .conftest import ROOT


def test_citation_cff_is_valid_and_matches_the_version() -> None:
    cffconvert = shutil.which("cffconvert", path=str(ROOT / ".venv" / "bin")) or shutil.which(
        "cffconvert"
    )
    assert cffconvert, "cffconvert is a test dependency (pip install -e '.[test]')"
    out = subprocess.run(
        [cffconvert, "--validate", "-i", str(ROOT / "CITATION.cff")], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert f"\nversion: {paperindex.__version__}\n" in cff
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["version"] == paperindex.__version__


def test_shipped_schema_is_current_and_validates_the_catalogue() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    shipped = json.loads((ROOT / "data" / "links.schema.json").read_text(encoding="utf-8"))
    assert shipped == json_schema(), "run: paperindex schema -o data/links.schema.json"
    validator = jsonschema.Draft7Validator(shipped)  # pydantic's $defs/$ref resolve the same way
    links = cat.load(ROOT / "data" / "links.csv").links
    assert links
    for link in links:
        validator.validate(link.as_dict(mentions=False))
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**links[0].as_dict(mentions=False), "kind": "blog"})


def test_cli_start_does_not_import_heavy_modules() -> None:
    probe = (
        "import sys, paperindex.cli as c\n"
        "c.build_parser()\n"
        "heavy = [m for m in ('pydantic', 'requests', 'arxiv', 'bibtexparser', 'lxml') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_python_dash_m_and_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "paperindex", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == f"paperindex {paperindex.__version__}"


def test_public_api_names_resolve() -> None:
    for name in paperindex.__all__:
        assert getattr(paperindex, name) is not None
    with pytest.raises(AttributeError):
        paperindex.nope  # noqa: B018


@pytest.mark.parametrize(
    "command", [["ruff", "check", "."], ["ruff", "format", "--check", "."], ["mypy"]]
)
def test_lint_format_and_types_are_clean(command: list[str]) -> None:
    tool = command[0]
    exe = shutil.which(tool, path=str(ROOT / ".venv" / "bin")) or shutil.which(tool)
    assert exe, f"{tool} is a test dependency (pip install -e '.[test]')"
    args = [exe, *command[1:]]
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_api_functions_are_not_shadowed_by_submodules() -> None:
    import importlib

    for module in ("identity", "enrich", "extract", "catalogue", "export", "api"):
        importlib.import_module(f"paperindex.{module}")
    assert callable(paperindex.identify) and callable(paperindex.refresh)
    assert paperindex.identify("https://arxiv.org/abs/2312.00752") is not None


def test_readme_python_api_runs_with_plain_strings(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's API example, as a researcher would type it (str paths, default locations)."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    (tmp_path / "notes").mkdir()
    shutil.copy(corpus, tmp_path / "notes")
    monkeypatch.chdir(tmp_path)
    result = paperindex.update_catalogue(["notes/"])
    # the note is now in the project: its citations are renamed `./notes/…` once, then stay
    assert len(paperindex.load_catalogue().links) == 34 and result.written
    assert not paperindex.update_catalogue(["notes/"]).written
    assert len(paperindex.refresh(offline=True).sources["arxiv"].have) == 14
    paperindex.write_bibtex("references.bib", style="arxiv", dialect="biblatex")
    assert (tmp_path / "references.bib").read_text(encoding="utf-8").count("\n@") == 34
    text = paperindex.reading_list("READING_LIST.md", topics=["Mixture of experts"])
    assert "## Mixture of experts" in text
    assert paperindex.build().entries == 34
