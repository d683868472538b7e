"""The repository stands on its own: its documentation exists, every seed document the fixtures cite is
described in fixtures/SOURCES.md, and no tracked file points outside the repository.

Plain file reads and ``git ls-files``: no database, no Django setup needed.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "fixtures" / "SOURCES.md"
FIXTURES = sorted([*ROOT.glob("fixtures/*.yaml"), *ROOT.glob("fixtures/documents/*.yaml")])
CITING_KEYS = {"source", "default_source", "source_document", "seed"}
# A seed number begins a citation ("003 表1", "000_79a5….txt 四（一）") or follows a separator
# ("003 正文; 004 （三）发展目标", "000_….txt, 001_….txt").
SEED_NUMBER = re.compile(r"(?:^|[;,]\s*)(\d{3})(?=[\s_]|$)")
GUIDES = ("staff", "reviewer", "planner", "official", "administrator", "api")
DOCUMENTS = ("docs/progress-method.md", "docs/glossary.md", *(f"docs/guides/{name}.md" for name in GUIDES))
# Pieces of text that tie a file to one machine's directory layout; built from parts so that this file
# does not match its own test.
FORBIDDEN = ("../" + "shared", "/work/" + "shared", "/work/" + "main")
SKIPPED_SUFFIXES = {".po", ".mo"}


def _citations(node) -> list[str]:
    """Every value of a citing key anywhere in a loaded YAML document."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in CITING_KEYS and isinstance(value, str):
                found.append(value)
            else:
                found.extend(_citations(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_citations(item))
    return found


def _cited_seed_numbers() -> dict[str, list[str]]:
    """Seed number → the citations that name it."""
    cited: dict[str, list[str]] = {}
    for path in FIXTURES:
        for citation in _citations(yaml.safe_load(path.read_text(encoding="utf-8"))):
            numbers = SEED_NUMBER.findall(citation.strip())
            assert numbers, f"{path.name}: citation names no seed number: {citation!r}"
            for number in numbers:
                cited.setdefault(number, []).append(citation)
    return cited


def test_fixtures_cite_seeds():
    assert FIXTURES, "no fixture files found"
    assert set(_cited_seed_numbers()) >= {"000", "001", "002", "003", "004"}


def test_every_cited_seed_has_a_section_in_sources():
    text = SOURCES.read_text(encoding="utf-8")
    missing = {
        number: citations[0]
        for number, citations in sorted(_cited_seed_numbers().items())
        if not re.search(rf"^##\s+Seed {number}\b", text, flags=re.MULTILINE)
    }
    assert not missing, f"fixtures/SOURCES.md has no '## Seed NNN' section for: {missing}"


def test_sources_explains_the_citation_form():
    text = SOURCES.read_text(encoding="utf-8")
    assert re.search(r"^##\s+How a citation reads", text, flags=re.MULTILINE)
    assert '"003 表1" means' in text


def _tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True, timeout=60
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:  # not a git checkout (e.g. an sdist)
        pytest.skip(f"git ls-files unavailable: {exc}")
    return [ROOT / name for name in listed.decode("utf-8").split("\0") if name]


def _text(path: Path) -> str | None:
    """The file's text, or None for binary files (and files deleted from the working tree)."""
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        return None
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def test_no_tracked_file_points_outside_the_repository():
    offenders = []
    for path in _tracked_files():
        relative = path.relative_to(ROOT)
        if relative.parts[0] == "tests" or path.suffix in SKIPPED_SUFFIXES:
            continue
        text = _text(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            for piece in FORBIDDEN:
                if piece in line:
                    offenders.append(f"{relative}:{number}: {piece}")
    assert not offenders, "tracked files point outside the repository:\n" + "\n".join(offenders)


@pytest.mark.parametrize("relative", DOCUMENTS)
def test_document_exists(relative):
    path = ROOT / relative
    assert path.is_file(), f"{relative} is missing"
    assert path.read_text(encoding="utf-8").strip()


@pytest.mark.parametrize("name", GUIDES)
def test_guide_ends_with_an_english_summary(name):
    text = (ROOT / "docs" / "guides" / f"{name}.md").read_text(encoding="utf-8")
    headings = re.findall(r"^##\s+(.+?)\s*$", text, flags=re.MULTILINE)
    assert headings and headings[-1] == "English summary", f"{name}.md: last section is {headings[-1:]}"


def test_progress_method_has_the_required_sections():
    text = (ROOT / "docs" / "progress-method.md").read_text(encoding="utf-8")
    for heading in ("Readings ParkTrack chose where the method is silent", "Known gaps"):
        assert re.search(rf"^##\s+{re.escape(heading)}\s*$", text, flags=re.MULTILINE), heading
    for word in (
        "level",
        "at_least",
        "at_most",
        "cagr",
        "pp_change",
        "multiple",
        "reduction",
        "keep",
        "annual_flow",
        "cumulative_flow",
        "share",
        "rate",
    ):
        assert f"`{word}`" in text, word


def test_engine_points_to_the_method_in_the_repository():
    docstring = (ROOT / "progress" / "engine.py").read_text(encoding="utf-8").split('"""')[1]
    assert "``docs/progress-method.md``" in docstring


def test_readme_links_to_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"\]\((?:\./)?docs/", readme), "README.md does not link to docs/"


@pytest.mark.parametrize("relative", [*DOCUMENTS, "fixtures/SOURCES.md"])
def test_relative_links_resolve(relative):
    path = ROOT / relative
    text = path.read_text(encoding="utf-8")
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+:|^#|^/", target):  # URLs, anchors within the page, site paths
            continue
        if not (path.parent / target.split("#", 1)[0]).exists():
            broken.append(target)
    assert not broken, f"{relative}: broken links {broken}"
