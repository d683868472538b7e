"""Writing reports: one park's (``park_document``) and a region's (``region_document``), as DOCX or PDF.

Every door (the dashboards' button, the API, the ``report`` command, the region task) comes here, after
checking that the reader may see the park (``reports.selectors``).
"""

from __future__ import annotations

from dataclasses import dataclass

from parks.models import Park
from plans.models import Plan
from reports.context import ParkReport, park_report
from reports.docx import write_docx
from reports.pdf import write_pdf

FORMATS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "pdf": ("application/pdf", "pdf"),
}


@dataclass
class Document:
    filename: str
    content_type: str
    content: bytes
    report: ParkReport | None = None


def write(report, fmt: str) -> bytes:
    if fmt == "docx":
        return write_docx(report)
    if fmt == "pdf":
        return write_pdf(report)
    raise ValueError(f"unknown report format: {fmt}")


def park_document(
    *,
    user,
    park: Park,
    plan: Plan,
    year: int,
    fmt: str = "docx",
    kind: str | None = None,
    charts: bool = True,
) -> Document:
    """One park's report on ``plan`` in ``year`` as a file."""
    report = park_report(user=user, park=park, plan=plan, year=year, kind=kind)
    if charts:
        from reports.images import add_charts

        add_charts(report)
    content_type, extension = FORMATS[fmt]
    filename = f"{park.code}-{plan.code}-{year}-{report.kind}.{extension}"
    return Document(filename, content_type, write(report, fmt), report)
