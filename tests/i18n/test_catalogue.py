import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
ENTRY = re.compile(
    r'^((?:#.*\n)*)msgid ((?:".*"\n)+)(?:msgid_plural (?:".*"\n)+)?((?:msgstr(?:\[\d\])? (?:".*"\n)+)+)', re.M
)


def entries(text: str):
    """(flags, msgid, [msgstr...]) for every entry except the header."""
    for m in ENTRY.finditer(text):
        msgid = "".join(re.findall(r'"(.*)"', m.group(2)))
        if msgid:
            strs = [
                "".join(re.findall(r'"(.*)"', s)) for s in re.split(r"^msgstr(?:\[\d\])? ", m.group(3), flags=re.M)[1:]
            ]
            yield m.group(1), msgid, strs


def test_every_message_has_a_french_translation():  # ACC-5
    found = list(entries(PO.read_text(encoding="utf-8")))
    assert len(found) > 100
    fuzzy = [msgid for flags, msgid, _ in found if "fuzzy" in flags]
    untranslated = [msgid for _, msgid, strs in found if not all(strs)]
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:10]}"


def test_catalogue_holds_every_string_of_the_code(tmp_path):  # ACC-5
    """makemessages on a copy of the tree must not find a string the committed catalogue lacks."""
    copy = tmp_path / "tree"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "node_modules", "bench", "tests", "staticfiles", "*.pyc", "docs", ".ci"
        ),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "-v0"],  # noqa: S603
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    fresh = {msgid for _, msgid, _ in entries((copy / "locale/fr/LC_MESSAGES/django.po").read_text("utf-8"))}
    assert len(fresh) > 100
    committed = {msgid for _, msgid, _ in entries(PO.read_text(encoding="utf-8"))}
    missing = sorted(fresh - committed)
    assert not missing, f"{len(missing)} strings missing from locale/fr (run makemessages, translate): {missing[:10]}"
