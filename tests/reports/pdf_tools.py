"""Reading a PDF back as a reader's machine would: its text (pdftotext), its fonts (pdffonts), its pages
as pictures (pdftoppm), and the glyph every character is drawn with (pypdf)."""

from __future__ import annotations

import re
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pypdf
from pypdf.generic import ContentStream

from tests.conftest import require_service


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    require_service(path is not None, f"{tool} (Debian package poppler-utils)")
    return path


def pdf_text(content: bytes, tmp_path: Path) -> str:
    source = tmp_path / "report.pdf"
    source.write_bytes(content)
    run = subprocess.run([poppler("pdftotext"), "-layout", str(source), "-"], capture_output=True, check=True)
    return run.stdout.decode("utf-8")


def pdf_fonts(content: bytes, tmp_path: Path) -> list[dict]:
    """pdffonts' table: one dict per font (name, type, encoding, emb, sub, uni)."""
    source = tmp_path / "fonts.pdf"
    source.write_bytes(content)
    lines = subprocess.run([poppler("pdffonts"), str(source)], capture_output=True, check=True).stdout
    rows = lines.decode("utf-8").splitlines()[2:]
    fonts = []
    for row in rows:
        # name, type (may contain spaces), encoding, emb, sub, uni, object, generation
        match = re.match(r"^(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", row)
        assert match, row
        fonts.append(
            dict(zip(("name", "type", "encoding", "emb", "sub", "uni"), match.groups(), strict=True))
        )
    return fonts


def pdf_pages_png(content: bytes, tmp_path: Path, *, dpi: int = 50) -> list[Path]:
    source = tmp_path / "pages.pdf"
    source.write_bytes(content)
    subprocess.run(
        [poppler("pdftoppm"), "-r", str(dpi), "-png", str(source), str(tmp_path / "page")], check=True
    )
    return sorted(tmp_path.glob("page-*.png"))


def _cmap_cids(data: bytes) -> dict[int, int]:
    """code → CID of an embedded encoding CMap (cidchar and cidrange entries)."""
    text = data.decode("latin-1")
    mapping: dict[int, int] = {}
    for block in re.findall(r"begincidchar(.*?)endcidchar", text, flags=re.S):
        for code, cid in re.findall(r"<([0-9a-fA-F]+)>\s+(\d+)", block):
            mapping[int(code, 16)] = int(cid)
    for block in re.findall(r"begincidrange(.*?)endcidrange", text, flags=re.S):
        for low, high, cid in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s+(\d+)", block):
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[code] = int(cid) + offset
    return mapping


class _Font:
    def __init__(self, font):
        self.name = str(font.get("/BaseFont"))
        encoding = font.get("/Encoding")
        self.cids = None if encoding == "/Identity-H" else _cmap_cids(encoding.get_object().get_data())
        descendant = font["/DescendantFonts"][0].get_object()
        to_gid = descendant.get("/CIDToGIDMap", "/Identity")
        self.gids = None if to_gid == "/Identity" else to_gid.get_object().get_data()

    def glyph(self, code: int) -> int:
        cid = code if self.cids is None else self.cids.get(code, 0)
        if self.gids is None:
            return cid
        return int.from_bytes(self.gids[2 * cid : 2 * cid + 2], "big") if 2 * cid + 2 <= len(self.gids) else 0


def _strings(operands) -> list[bytes]:
    found = []
    for operand in operands:
        if isinstance(operand, list | pypdf.generic.ArrayObject):
            found += _strings(operand)
        elif isinstance(operand, bytes | str):
            found.append(operand.original_bytes if hasattr(operand, "original_bytes") else bytes(operand))
    return found


def notdef_glyphs(content: bytes) -> list[tuple[int, str, int]]:
    """(page, font, code) of every character drawn with glyph 0 (.notdef: a missing glyph, "tofu")."""
    reader = pypdf.PdfReader(BytesIO(content))
    missing = []

    def walk(number, resources, stream) -> None:
        fonts = {name: _Font(f.get_object()) for name, f in (resources.get("/Font") or {}).items()}
        current = None
        for operands, operator in ContentStream(stream, reader).operations:
            if operator == b"Tf":
                current = fonts.get(operands[0])
            elif operator in (b"Tj", b"TJ", b"'", b'"') and current is not None:
                for raw in _strings(operands):
                    for i in range(0, len(raw) - 1, 2):
                        code = int.from_bytes(raw[i : i + 2], "big")
                        if current.glyph(code) == 0:
                            missing.append((number, current.name, code))
        for xobject in (resources.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form":
                walk(number, xobject.get("/Resources") or resources, xobject)

    for number, page in enumerate(reader.pages, start=1):
        walk(number, page["/Resources"], page.get_contents())
    return missing
