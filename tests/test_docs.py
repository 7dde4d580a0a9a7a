"""The documentation: every relative link resolves inside the repository,
each notebook's title cell states the run times of notebooks/README.md, and
its table of the course's items is current."""

import importlib.util
import json
import pathlib
import re
import urllib.parse

import pytest

ROOT = pathlib.Path(__file__).parents[1]


def _course_items():
    """notebooks/course_items.py (the notebooks folder is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "course_items", ROOT / "notebooks" / "course_items.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


course_items = _course_items()
github_slug = course_items.github_slug
DOCUMENTS = [
    ROOT / name
    for name in (
        "README.md",
        "BENCHMARKS.md",
        "notebooks/README.md",
        "datasets/README.md",
    )
] + sorted((ROOT / "notebooks").glob("*.ipynb"))
NOTEBOOKS_README = ROOT / "notebooks" / "README.md"

# Links that need the network are not checked.
EXTERNAL = re.compile(r"(?i)(https?|mailto):")
# [text](target "title") and ![alt](target); the target may be <wrapped>.
INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
# [label]: target, a reference definition on a line of its own.
REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)", re.MULTILINE)
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
ATX_HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$")
SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)\s*$")
LINE_ANCHOR = re.compile(r"L\d+(-L\d+)?")


def markdown_of(path):
    """The Markdown texts of a document: the file, or a notebook's markdown cells."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    return [path.read_text(encoding="utf-8")]


def _prose_lines(text):
    """The lines of `text` outside fenced code blocks."""
    fence = None
    for line in text.splitlines():
        match = FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
        elif fence is not None:
            if (
                match
                and match.group(1)[0] == fence[0]
                and len(match.group(1)) >= len(fence)
            ):
                fence = None
        else:
            yield line


def link_targets(text):
    """Every link target in Markdown `text`, outside code blocks and code spans."""
    prose = "\n".join(_prose_lines(text))
    # Code spans, which may run over lines but not over a blank one.
    prose = re.sub(r"(`+)(?:(?!\1)(?!\n\s*\n).)+?\1", "", prose, flags=re.DOTALL)
    targets = INLINE_LINK.findall(prose) + REFERENCE.findall(prose)
    return [t[1:-1] if t.startswith("<") else t for t in targets]


def anchors(path):
    """The anchors of a Markdown file's or a notebook's headings.

    GitHub numbers repeated headings (`a`, `a-1`, ...); in a notebook, Jupyter's
    own anchors (the heading with spaces as hyphens) work too.
    """
    found, seen = set(), {}
    for text in markdown_of(path):
        previous = ""
        for line in _prose_lines(text):
            match = ATX_HEADING.match(line)
            heading = match.group(1) if match else None
            if not match and previous.strip() and SETEXT_UNDERLINE.match(line):
                if not previous.lstrip().startswith("|"):
                    heading = previous.strip()
            previous = line
            if heading is None:
                continue
            slug = github_slug(heading)
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            found.add(f"{slug}-{count}" if count else slug)
            if path.suffix == ".ipynb":
                found.add(heading.strip().replace(" ", "-"))
    return found


def link_problem(document, target, root=ROOT):
    """Why `target`, linked from `document`, does not resolve; None if it does."""
    if EXTERNAL.match(target):
        return None
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", target):
        return "a URL that is neither http(s) nor mailto"
    path, _, anchor = target.partition("#")
    path = urllib.parse.unquote(path)
    if not path:
        resolved = document
    elif path.startswith("/"):  # GitHub: relative to the repository's root
        resolved = root / path.lstrip("/")
    else:
        resolved = document.parent / path
    resolved = resolved.resolve()
    if not resolved.is_relative_to(root.resolve()):
        return "points outside the repository"
    if not resolved.exists():
        return "does not exist"
    if not anchor:
        return None
    anchor = urllib.parse.unquote(anchor)
    if resolved.is_dir():
        resolved = resolved / "README.md"
    if resolved.suffix in (".md", ".ipynb") and resolved.is_file():
        if anchor in anchors(resolved):
            return None
        return f"has no heading #{anchor}"
    if LINE_ANCHOR.fullmatch(anchor):
        return None
    return f"#{anchor} on a file without headings"


def link_problems(document, root=ROOT):
    return [
        f"{document.relative_to(root)}: ({target}) {problem}"
        for text in markdown_of(document)
        for target in link_targets(text)
        if (problem := link_problem(document, target, root))
    ]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve_inside_the_repository(document):
    problems = link_problems(document)
    assert not problems, "broken links:\n" + "\n".join(problems)


def test_the_link_check_finds_broken_links(tmp_path):
    root = tmp_path / "repository"
    (root / "docs").mkdir(parents=True)
    (tmp_path / "shared").mkdir()  # beside the repository, not in a clone
    (root / "README.md").write_text("# Title\n\n## The two commands\n\nText.\n")
    page = root / "docs" / "page.md"
    page.write_text(
        "# Page\n\n"
        "[fine](../README.md) [anchor](../README.md#the-two-commands) "
        "[here](#page) [web](https://example.org/x) [mail](mailto:a@b.c) "
        "![img](/README.md) `[code](missing.md)`\n\n"
        "[missing](missing.md) [outside](../../shared) "
        "[bad anchor](../README.md#the-three-commands)\n\n"
        "[ref]: <../nowhere.md>\n\n"
        "```\n[in a fence](gone.md)\n```\n"
    )
    problems = link_problems(page, root)
    assert problems == [
        "docs/page.md: (missing.md) does not exist",
        "docs/page.md: (../../shared) points outside the repository",
        "docs/page.md: (../README.md#the-three-commands) has no heading "
        "#the-three-commands",
        "docs/page.md: (../nowhere.md) does not exist",
    ]


def test_notebook_anchors_follow_github_and_jupyter(tmp_path):
    notebook = tmp_path / "nb.ipynb"
    cell = {"cell_type": "markdown", "metadata": {}, "source": ["## 2. The data\n"]}
    notebook.write_text(json.dumps({"cells": [cell, cell]}))
    assert anchors(notebook) == {"2-the-data", "2-the-data-1", "2.-The-data"}


# Run times: the table in notebooks/README.md, and one line in each title cell.

RUN_TIME_LINE = re.compile(
    r"^\*\*Run time\*\* on 2 CPU cores: quick mode \(`SEQKERAS_QUICK=1`\) "
    r"(?P<quick>.+?), full mode (?P<full>.+?)\. "
    r"Measured times for every notebook: \[notebooks/README\.md\]\(README\.md\)\.$",
    re.MULTILINE,
)
EXAMPLE_LINE = (
    "**Run time** on 2 CPU cores: quick mode (`SEQKERAS_QUICK=1`) 45 s, full mode "
    "not timed yet. Measured times for every notebook: "
    "[notebooks/README.md](README.md)."
)
FIGURE = re.compile(r"\d+ min( [1-5]?\d s)?|[1-5]?\d s|not timed yet")


def run_time_table():
    """{notebook file name: (quick, full)} from notebooks/README.md's table.

    A cell's figure is its text before any parenthesis (a note on how it
    was measured).
    """
    rows = []
    for line in NOTEBOOKS_README.read_text(encoding="utf-8").splitlines():
        if line.startswith("|") and (rows or "quick run" in line):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif rows:
            break  # the end of the table
    header = rows[0]
    quick = next(i for i, name in enumerate(header) if name.startswith("quick run"))
    full = header.index("full run")
    return {
        row[0].strip("`"): (_figure(row[quick]), _figure(row[full]))
        for row in rows[2:]  # after the header and its |---| line
    }


def _figure(cell):
    return cell.split("(")[0].strip()


def test_run_time_table_lists_every_notebook_once():
    table = run_time_table()
    names = {path.name for path in (ROOT / "notebooks").glob("*.ipynb")}
    assert not names - set(table), f"not in notebooks/README.md: {names - set(table)}"
    assert not set(table) - names, f"no such notebook: {set(table) - names}"
    for name, figures in table.items():
        for figure in figures:
            assert FIGURE.fullmatch(figure), f"{name}: {figure!r} is not a run time"


@pytest.mark.parametrize(
    "notebook", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.stem
)
def test_title_cell_states_the_table_run_times(notebook):
    cell = json.loads(notebook.read_text(encoding="utf-8"))["cells"][0]
    assert cell["cell_type"] == "markdown", f"{notebook.name}: no title cell"
    title = "".join(cell["source"])
    match = RUN_TIME_LINE.search(title)
    assert match, f"{notebook.name}: no line of the form {EXAMPLE_LINE!r}"
    rest = title[: match.start()] + title[match.end() :]
    stray = re.findall(
        r"(?i).*(?:run time|\b(?:\d+|a|few) (?:min|minutes?|s|seconds?)\b).*", rest
    )
    assert not stray, (
        f"{notebook.name}: run times outside the **Run time** line: {stray}"
    )
    quick, full = run_time_table()[notebook.name]
    assert (match["quick"], match["full"]) == (quick, full), (
        f"{notebook.name}: the title cell says {match['quick']} / {match['full']}, "
        f"notebooks/README.md says {quick} / {full}"
    )


def test_the_course_table_is_current():
    readme = NOTEBOOKS_README.read_text(encoding="utf-8")
    begin, end = readme.index(course_items.BEGIN), readme.index(course_items.END)
    table = readme[begin : end + len(course_items.END)]
    assert table == course_items.render(), (
        "notebooks/README.md's course table is stale: run "
        "`python notebooks/course_items.py`"
    )
    shown = [item for item in course_items.ITEMS if item[2] is not None]
    assert len(shown) >= 30
    assert {text for text, *_ in course_items.ITEMS} == set(course_items.TEXTS)


def test_the_course_table_finds_asserting_cells_only(tmp_path, monkeypatch):
    """A section without an asserting cell, or a heading that is gone, is an
    error: the table cannot point at prose."""
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["## 1. Prose only\n"]},
            {"cell_type": "code", "source": ["print(1)\n"]},
            {"cell_type": "markdown", "source": ["## 2. Checked\n"]},
            {"cell_type": "code", "source": ["x = 1\n"]},
            {"cell_type": "code", "source": ["assert x == 1  # mark\n"]},
        ]
    }
    (tmp_path / "n.ipynb").write_text(json.dumps(notebook))
    monkeypatch.setattr(course_items, "HERE", tmp_path)
    assert course_items.locate("n", "## 2.") == (5, "2. Checked")
    assert course_items.locate("n", "## 2.", "mark") == (5, "2. Checked")
    with pytest.raises(LookupError, match="no code cell with an assert"):
        course_items.locate("n", "## 1.")
    with pytest.raises(LookupError, match="asserting cell"):
        course_items.locate("n", "## 2.", "elsewhere")
    with pytest.raises(LookupError, match="no heading"):
        course_items.locate("n", "## 3.")
