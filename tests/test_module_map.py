"""The README's module map (Architecture) names every module of portal/ and jobs/, and only
modules that exist, so it cannot drift from the code."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A path in a row's first cell: the folder itself, every module in it, or one module.
FOLDER_OF_A_PATH = re.compile(r"((?:portal|jobs)(?:/\w+)*)(?:/\*\.py|/\w+\.py|/)")


def architecture() -> str:
    readme = (ROOT / "README.md").read_text("utf-8")
    return readme.split("\n## Architecture", 1)[1].split("\n## ", 1)[0]


def map_rows(section: str) -> list[tuple[set[str], str]]:
    """(the folders a row is about, the row) for each row of the module map."""
    rows = [line for line in section.splitlines()
            if line.startswith("| ") and not line.startswith("| Path")]
    return [(set(FOLDER_OF_A_PATH.findall(row.split(" | ", 1)[0])), row) for row in rows]


def modules() -> list[Path]:
    return sorted(path for folder in ("portal", "jobs") for path in (ROOT / folder).rglob("*.py")
                  if path.name != "__init__.py")


def listed(module: Path, section: str, rows) -> bool:
    """Named by its path anywhere in the section, or by its name (`name` or `name.py`) in a row
    about its folder."""
    path = module.relative_to(ROOT).as_posix()
    if path in section:
        return True
    folder = path.rsplit("/", 1)[0]
    name = re.compile(rf"`{re.escape(module.stem)}(\.py)?`")
    return any(folder in folders and name.search(row) for folders, row in rows)


def test_every_module_of_portal_and_jobs_is_in_the_module_map():
    section = architecture()
    rows = map_rows(section)
    assert [m.relative_to(ROOT).as_posix() for m in modules()
            if not listed(m, section, rows)] == []


def test_the_module_map_names_no_module_that_is_gone():
    named = set(re.findall(r"(?:portal|jobs)/[\w/]+\.py", architecture()))
    assert sorted(path for path in named if not (ROOT / path).is_file()) == []


def test_a_module_missing_from_the_map_is_found():
    section = architecture()
    rows = map_rows(section)
    assert listed(ROOT / "portal/services/nmbrs_access.py", section, rows)
    assert not listed(ROOT / "portal/services/not_in_the_map.py", section, rows)
    assert not listed(ROOT / "portal/views/nmbrs_access.py", section, rows)  # the wrong folder
