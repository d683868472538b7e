"""The English translation is complete, compiled and used: every string marked in the source has an
English msgstr (none fuzzy), the committed .mo is the compiled .po, and the pages, the API and the
dashboards show English with Accept-Language: en (or the django_language cookie) and Chinese by default.

Update the catalogue with ``make messages``; these tests say what is missing.
"""

from __future__ import annotations

import gettext
import json
import os
import re
import shutil
import subprocess
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from tests.conftest import require_service

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
MO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.mo"
# The same as the Makefile's `messages` target.
IGNORED = [".venv", "staticfiles", "test-artifacts", "benchmarks"]
FIGURES = re.compile(r'<script type="application/json"[^>]*>(.*?)</script>', re.S)
STATISTICS = re.compile(r"(\d+) (translated|fuzzy|untranslated) (?:message|translation)")


def _require_gettext(*tools: str) -> None:
    for tool in ("msgfmt", *tools):
        require_service(shutil.which(tool) is not None, tool)


def _msgfmt(po: Path, mo: Path) -> dict[str, int]:
    """Compile ``po`` to ``mo`` with the format checks; the counts msgfmt reports."""
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(mo), str(po)],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C", "LANGUAGE": ""},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    counts = {"translated": 0, "fuzzy": 0, "untranslated": 0}
    for number, kind in STATISTICS.findall(result.stderr):
        counts[kind] = int(number)
    return counts


def _entries(po: Path, *flags: str) -> str:
    """The entries msgattrib selects (--untranslated, --only-fuzzy), for a readable failure."""
    if shutil.which("msgattrib") is None:
        return "(install msgattrib to list them)"
    result = subprocess.run(
        ["msgattrib", *flags, "--no-obsolete", str(po)], capture_output=True, text=True, check=False
    )
    entries = [block for block in result.stdout.split("\n\n") if 'msgid ""\nmsgstr ""' not in block]
    return "\n\n".join(entries)[:3000]


def _catalogue(mo: Path) -> dict:
    """A compiled catalogue's messages, without the header (its POT-Creation-Date moves)."""
    with mo.open("rb") as handle:
        catalogue = dict(gettext.GNUTranslations(handle)._catalog)  # noqa: SLF001
    catalogue.pop("", None)
    return catalogue


# --- (a) the committed .mo is the compiled .po ----------------------------------------------------------


def test_committed_mo_is_the_compiled_po(tmp_path):
    _require_gettext()
    fresh = tmp_path / "django.mo"
    _msgfmt(PO, fresh)
    expected, committed = _catalogue(fresh), _catalogue(MO)
    stale = sorted(str(k) for k in expected.keys() | committed.keys() if expected.get(k) != committed.get(k))
    assert not stale, f"locale/en/LC_MESSAGES/django.mo is out of date; run `make messages`: {stale[:10]}"


def test_django_serves_every_compiled_message(tmp_path):
    """What Django loads for "en" is the .po's msgstr, message by message (plural forms too)."""
    _require_gettext()
    fresh = tmp_path / "django.mo"
    _msgfmt(PO, fresh)
    catalogue = _catalogue(fresh)
    assert len(catalogue) > 600
    wrong = []
    with translation.override("en"):
        for key, msgstr in catalogue.items():
            if isinstance(key, tuple):  # (msgid, plural index): index 0 is n == 1, index 1 is n != 1
                msgid, index = key
                served = translation.ngettext(msgid, msgid, 1 if index == 0 else 2)
            else:
                served = translation.gettext(key)
            if served != msgstr:
                wrong.append((key, served, msgstr))
    assert not wrong, wrong[:10]


# --- (b) nothing untranslated or fuzzy, in the .po and in the source ------------------------------------


def test_po_has_no_untranslated_or_fuzzy_entries(tmp_path):
    _require_gettext()
    counts = _msgfmt(PO, tmp_path / "django.mo")
    assert counts["translated"] > 600, counts
    assert counts["untranslated"] == 0, f"untranslated entries:\n{_entries(PO, '--untranslated')}"
    assert counts["fuzzy"] == 0, f"fuzzy entries (Django ignores them):\n{_entries(PO, '--only-fuzzy')}"


def test_catalogue_covers_every_string_marked_in_the_source(tmp_path, settings, monkeypatch):
    """makemessages on a copy of the project: a string marked in the source but missing from the .po
    (or an entry whose string the source no longer has) fails here until `make messages` is run and
    the new msgstr filled in. The project's own locale directory is never written."""
    _require_gettext("xgettext", "msgmerge", "msguniq", "msgattrib")
    root = tmp_path / "project"
    base = Path(settings.BASE_DIR)
    skip = {*IGNORED, ".git", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache"}
    shutil.copytree(
        base,
        root,
        ignore=lambda directory, names: [
            n for n in names if n in skip or n.endswith((".sqlite3", ".pyc", ".mo"))
        ],
    )
    settings.LOCALE_PATHS = [root / "locale"]
    monkeypatch.chdir(root)
    call_command("makemessages", locale=["en"], ignore_patterns=IGNORED, verbosity=0, stdout=StringIO())
    regenerated = root / "locale" / "en" / "LC_MESSAGES" / "django.po"
    counts = _msgfmt(regenerated, tmp_path / "regenerated.mo")
    assert counts["untranslated"] == 0 and counts["fuzzy"] == 0, (
        "strings marked in the source have no English translation yet; run `make messages`, then "
        f"translate:\n{_entries(regenerated, '--untranslated')}{_entries(regenerated, '--only-fuzzy')}"
    )
    committed = tmp_path / "committed.mo"
    _msgfmt(PO, committed)
    gone = sorted(map(str, _catalogue(committed).keys() - _catalogue(tmp_path / "regenerated.mo").keys()))
    assert not gone, f"django.po has entries the source no longer marks; run `make messages`: {gone[:10]}"


# --- (c) the pages in English, and in Chinese by default ---------------------------------------------


@pytest.fixture
def fresh_cache(settings):
    """The API caches responses and counts anonymous requests: give these tests their own cache."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"translations-test-{uuid.uuid4().hex}",
        }
    }


@pytest.fixture
def yuxi_progress(db):
    """Yuxi's stored progress: the 13th plan judged in 2020 has lagging and achieved indicators."""
    from parks.models import Park
    from progress.services import progress_recompute

    progress_recompute(park_ids=[Park.objects.get(code="yuxi-hitech").pk])


def page(client, url: str, language: str | None = None, **params) -> str:
    """The page's HTML, followed by its chart figures decoded (their JSON may escape non-ASCII text)."""
    extra = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = client.get(url, params, **extra)
    assert response.status_code == 200, (url, response.status_code)
    body = response.content.decode()
    figures = [json.dumps(json.loads(text), ensure_ascii=False) for text in FIGURES.findall(body)]
    return "\n".join([body, *figures])


@pytest.mark.django_db
def test_home_page(client):
    english = page(client, "/", "en")
    assert '<html lang="en">' in english
    for text in ("Park plan indicator monitoring platform", "Parks and plans", "Log in", "Dashboards"):
        assert text in english
    assert "园区规划指标监测平台" not in english and "园区与规划" not in english

    chinese = page(client, "/")
    assert '<html lang="zh-hans">' in chinese
    for text in ("园区规划指标监测平台", "园区与规划", "登录", "看板"):
        assert text in chinese
    assert "Parks and plans" not in chinese


@pytest.mark.django_db
def test_login_page(client):
    english = page(client, "/accounts/login/", "en")
    assert all(text in english for text in ("<h1>Log in</h1>", ">Username</label>", ">Password</label>"))
    chinese = page(client, "/accounts/login/")
    assert all(text in chinese for text in ("<h1>登录</h1>", ">用户名</label>", ">密码</label>"))

    # A wrong password: the error is in the page's language too.
    refused = client.post(
        "/accounts/login/", {"username": "nobody", "password": "x"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Incorrect username or password; please try again." in refused.content.decode()


@pytest.mark.django_db
def test_dashboard_status_labels(client, yuxi_progress):
    url = "/dashboards/parks/yuxi-hitech/"
    english = page(client, url, "en", plan="yuxi-13th-fyp", year=2020)
    for text in (
        "All indicators",
        "Severely lagging",
        "Lagging",
        "Achieved",
        "On track",
        "Insufficient data",
        "6 indicators lagging, severely lagging or regressing",
        "Completion rate",
        "Gross regional product (incl. tobacco)",
    ):
        assert text in english, text
    # Nothing of the status vocabulary is left in Chinese, charts (their JSON) included.
    for text in ("严重滞后", "滞后", "符合预期", "数据不足", "全部指标", "完成率"):
        assert text not in english, text

    chinese = page(client, url, None, plan="yuxi-13th-fyp", year=2020)
    for text in ("全部指标", "严重滞后", "滞后", "已完成", "数据不足", "6 项指标滞后、严重滞后或倒退"):
        assert text in chinese, text
    assert "Severely lagging" not in chinese


@pytest.mark.django_db
def test_language_cookie_selects_english(client, yuxi_progress):
    client.cookies["django_language"] = "en"
    body = page(client, "/dashboards/parks/yuxi-hitech/", None, plan="yuxi-14th-fyp")
    assert "Insufficient data" in body and "Overview" in body and "数据不足" not in body


@pytest.mark.django_db
def test_api_error_messages(client, fresh_cache):
    anonymous = client.get("/api/v1/observations/", HTTP_ACCEPT_LANGUAGE="en")
    assert anonymous.status_code == 401
    assert anonymous.json()["message"] == "Authentication credentials were not provided."
    assert client.get("/api/v1/observations/").json()["message"] == "身份认证信息未提供。"

    missing = client.get("/api/v1/progress/summary/", {"park": "nope"}, HTTP_ACCEPT_LANGUAGE="en")
    assert missing.json()["message"] == "No such park: nope"
    assert client.get("/api/v1/progress/summary/", {"park": "nope"}).json()["message"] == "未找到园区：nope"


@pytest.mark.django_db
def test_data_entry_pages(client):
    from parks.models import ParkRole
    from tests.entry.factories import user_with_role

    client.force_login(user_with_role("staff", "yuxi-hitech", ParkRole.Role.ENTRY))
    english = page(client, "/entry/", "en")
    assert all(text in english for text in ("Data entry and review", " to enter", "Not entered", "Fill in"))
    sheet = page(client, "/entry/yuxi-hitech/2023/", "en")
    for text in ("2023 data entry", "2022 actual", "2023 target", "Save and submit for review"):
        assert text in sheet, text
    assert "填报与审核" in page(client, "/entry/") and "保存并提交审核" in page(
        client, "/entry/yuxi-hitech/2023/"
    )


@pytest.mark.django_db
def test_plan_layout_export_reimports_under_english():
    """The plan layout is written in Chinese in every UI language, so an English user's export re-imports."""
    from django.contrib.auth import get_user_model

    from entry.selectors import sheet_build
    from entry.uploads import export_plan_workbook, upload_preview
    from parks.models import Park

    admin = get_user_model().objects.create_superuser("root", "root@example.gov.cn", "a-long-password-1")
    park = Park.objects.get(code="yuxi-hitech")
    with translation.override("en"):
        sheet = sheet_build(park=park, year=2023)
        data = export_plan_workbook(park=park, year=2023, sheet=sheet)
        preview = upload_preview(user=admin, park=park, filename="x.xlsx", data=data, year=2023)
    assert preview.ok and not preview.changes
