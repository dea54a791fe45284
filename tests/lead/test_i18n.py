"""English and Spanish: the switcher, Accept-Language, and the committed Spanish catalogue.

The catalogue checks read the .po and .mo files in pure Python, so they pass on a fresh machine
without gettext installed (the compiled ``django.mo`` is committed alongside ``django.po``).
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.template.loader import render_to_string
from django.utils import translation

from sites.roles import Pathway, Role

LOCALE_DIR = Path(django_settings.BASE_DIR) / "locale"
PO_PATH = LOCALE_DIR / "es" / "LC_MESSAGES" / "django.po"
MO_PATH = LOCALE_DIR / "es" / "LC_MESSAGES" / "django.mo"
TEMPLATES_DIR = Path(django_settings.BASE_DIR) / "templates"

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


# --- A small .po reader (polib is not a dependency) -------------------------------------------


@dataclass
class PoEntry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0


def _unquote(token: str) -> str:
    token = token.strip()
    assert token.startswith('"') and token.endswith('"'), token
    body = token[1:-1]
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), body)


def po_entries(path: Path) -> list[PoEntry]:
    """Every entry of a .po file, the header (``msgid ""``) first."""
    entries: list[PoEntry] = []
    entry = PoEntry()
    target: tuple[str, int | None] | None = None

    def flush() -> None:
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = PoEntry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            assert target is not None, f"{path}:{number}: continuation outside an entry"
            key, index = target
            if index is None:
                setattr(entry, key, getattr(entry, key) + _unquote(line))
            else:
                entry.msgstr_plural[index] += _unquote(line)
            continue
        starts_entry = line.startswith(("msgctxt ", "msgid "))
        if starts_entry and target is not None and target[0] != "msgctxt":
            flush()  # an entry that was not separated by a blank line
        keyword, _, value = line.partition(" ")
        plural = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if plural:
            index = int(plural.group(1))
            entry.msgstr_plural[index] = _unquote(value)
            target = ("msgstr_plural", index)
        elif keyword in {"msgctxt", "msgid", "msgid_plural", "msgstr"}:
            if keyword == "msgid":
                entry.line = number
            setattr(entry, keyword, _unquote(value))
            target = (keyword, None)
        else:
            raise AssertionError(f"{path}:{number}: unexpected line {raw!r}")
    flush()
    return entries


def _nplurals(header: PoEntry) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", header.msgstr)
    assert match, "the header has no Plural-Forms"
    return int(match.group(1))


@pytest.fixture(scope="module")
def catalogue() -> tuple[PoEntry, list[PoEntry]]:
    assert PO_PATH.is_file(), f"{PO_PATH} is missing"
    entries = po_entries(PO_PATH)
    header, messages = entries[0], [e for e in entries[1:] if not e.obsolete]
    assert header.msgid == ""
    return header, messages


# --- The catalogue ----------------------------------------------------------------------------


def test_spanish_catalogue_header_is_final(catalogue):
    header, _ = catalogue
    assert "fuzzy" not in header.flags
    assert "Language: es" in header.msgstr
    assert "charset=UTF-8" in header.msgstr
    assert _nplurals(header) == 2


def test_every_spanish_message_is_translated_and_none_is_fuzzy(catalogue):
    header, messages = catalogue
    assert len(messages) > 100
    nplurals = _nplurals(header)
    fuzzy = [m.msgid for m in messages if "fuzzy" in m.flags]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    untranslated = []
    for m in messages:
        if m.msgid_plural is None:
            if not m.msgstr.strip():
                untranslated.append(m.msgid)
        elif sorted(m.msgstr_plural) != list(range(nplurals)) or not all(
            s.strip() for s in m.msgstr_plural.values()
        ):
            untranslated.append(m.msgid)
    assert not untranslated, f"untranslated entries: {untranslated}"


def test_spanish_translations_keep_every_placeholder(catalogue):
    _, messages = catalogue
    for m in messages:
        wanted = set(PLACEHOLDER.findall(m.msgid)) | set(PLACEHOLDER.findall(m.msgid_plural or ""))
        translations = [m.msgstr] if m.msgid_plural is None else list(m.msgstr_plural.values())
        for text in translations:
            assert set(PLACEHOLDER.findall(text)) == wanted, (m.line, m.msgid, text)


def test_compiled_spanish_catalogue_is_committed_and_matches_the_po(catalogue):
    """The .mo holds exactly what the .po says, so a fresh machine needs no gettext."""
    _, messages = catalogue
    assert MO_PATH.is_file(), f"{MO_PATH} is missing: run compilemessages -l es"
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert compiled.gettext("Sign out") == "Cerrar sesión"
    stale = []
    for m in messages:
        context = m.msgctxt
        if m.msgid_plural is None:
            got = compiled.pgettext(context, m.msgid) if context else compiled.gettext(m.msgid)
            if got != m.msgstr:
                stale.append(m.msgid)
        else:
            for n, expected in ((1, m.msgstr_plural[0]), (2, m.msgstr_plural[1])):
                got = (
                    compiled.npgettext(context, m.msgid, m.msgid_plural, n)
                    if context
                    else compiled.ngettext(m.msgid, m.msgid_plural, n)
                )
                if got != expected:
                    stale.append(m.msgid)
    assert not stale, f"django.mo is older than django.po for: {stale} (run compilemessages)"


def _template_msgids() -> set[str | tuple[str, str]]:
    """The msgids of ``{% translate %}`` and ``{% blocktranslate %}`` in the project templates."""
    ids: set[str | tuple[str, str]] = set()
    simple = re.compile(r"""{%\s*(?:translate|trans)\s+(["'])(.*?)\1""")
    block = re.compile(
        r"{%\s*blocktrans(?:late)?\b(?P<args>[^%]*)%}(?P<body>.*?)"
        r"{%\s*endblocktrans(?:late)?\s*%}",
        re.S,
    )

    def to_msgid(text: str) -> str:
        return re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", text.replace("%", "%%"))

    for path in TEMPLATES_DIR.rglob("*"):
        if path.suffix not in {".html", ".txt"}:
            continue
        source = path.read_text(encoding="utf-8")
        ids |= {match.group(2) for match in simple.finditer(source)}
        for match in block.finditer(source):
            assert "trimmed" not in match.group("args"), f"{path}: update this test for trimmed"
            body = match.group("body")
            if re.search(r"{%\s*plural\s*%}", body):
                one, many = re.split(r"{%\s*plural\s*%}", body)
                ids.add((to_msgid(one), to_msgid(many)))
            else:
                ids.add(to_msgid(body))
    return ids


def test_every_template_string_is_in_the_spanish_catalogue(catalogue):
    """A string marked in a template but missing here means makemessages was not re-run."""
    _, messages = catalogue
    known = {m.msgid if m.msgid_plural is None else (m.msgid, m.msgid_plural) for m in messages}
    template_ids = _template_msgids()
    assert len(template_ids) > 50
    missing = sorted(map(str, template_ids - known))
    assert not missing, f"run makemessages -l es and translate: {missing}"


def test_python_strings_translate_to_spanish(db):
    with translation.override("es"):
        assert str(Role.CASE_MANAGER.label) == "Gestor(a) de casos"
        assert str(Role.PROGRAMME_MANAGER.label) == "Administrador(a) del programa"
        assert str(Role.OFFICER.label) == "Oficial"
        assert str(Role.EVALUATOR.label) == "Evaluador(a)"
        assert str(Pathway.ARREST_DIVERSION.label) == "Desvío de arresto"
        assert str(Pathway.COMMUNITY.label) == "Derivación comunitaria"
        assert translation.ngettext("%(days)s day", "%(days)s days", 14) % {"days": 14} == "14 días"


def test_server_error_page_follows_the_active_language():
    with translation.override("es"):
        html = render_to_string("500.html")
    assert '<html lang="es">' in html
    assert "Algo salió mal" in html


# --- Pages ------------------------------------------------------------------------------------


def test_language_switcher_renders_the_site_home_in_spanish(client, case_manager, site_a, settings):
    settings.LEAD_REQUIRE_MFA = False
    client.force_login(case_manager)
    english = client.get("/s/taos/").content.decode()
    assert '<html lang="en">' in english
    assert "Eligibility checklist" in english

    response = client.post("/i18n/setlang/", {"language": "es", "next": "/s/taos/"})
    assert response.status_code == 302
    assert response["Location"] == "/s/taos/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"

    response = client.get("/s/taos/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert f"LEAD de {site_a.name} – gestión de casos" in html
    assert "Lista de verificación de elegibilidad" in html
    assert "Cerrar sesión" in html
    assert "Eligibility checklist" not in html
    assert "Sign out" not in html


def test_sign_in_page_is_spanish_for_a_spanish_browser(client, db):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "Iniciar sesión" in html  # allauth's own Spanish catalogue
    assert "Contraseña" in html
    assert "Saltar al contenido" in html  # the project's layout
    assert "Sign In" not in html


def test_sign_in_page_stays_english_by_default(client, db):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Sign In" in html
    assert "Iniciar sesión" not in html
