"""The README fits on a page, and every relative link in it and in docs/ points at a file that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


def relative_links(page: Path, anchors: bool = False) -> list[str]:
    """The link targets of ``page`` outside code that are not web addresses (with their ``#part`` if ``anchors``)."""
    text = CODE.sub("", page.read_text(encoding="utf-8"))
    targets = (match.group(1) if anchors else match.group(1).split("#")[0] for match in LINK.finditer(text))
    return [t for t in targets if t and not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def heading_anchors(page: Path) -> set[str]:
    """The anchors GitHub gives ``page``'s headings: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+\s+(.+?)\s*$", CODE.sub("", page.read_text(encoding="utf-8")), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def test_the_readme_fits_on_a_page():
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines; move details to docs/"


def test_the_docs_pages_exist_and_the_readme_links_them():
    linked = {(REPO / target).resolve() for target in relative_links(REPO / "README.md")}
    pages = {"screens", "library", "models", "benchmarks", "server", "architecture"}
    assert {(REPO / "docs" / f"{name}.md").resolve() for name in pages} <= linked


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_every_relative_link_points_at_a_file(page: Path):
    targets = relative_links(page)
    missing = [t for t in targets if not (page.parent / t).exists()]
    assert not missing, f"{page.relative_to(REPO)} links to missing files: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_every_link_to_a_part_of_a_page_names_a_heading_there(page: Path):
    wrong = []
    for target in relative_links(page, anchors=True):
        path, _, anchor = target.partition("#")
        linked = (page.parent / path) if path else page
        if anchor and linked.suffix == ".md" and anchor not in heading_anchors(linked):
            wrong.append(target)
    assert not wrong, f"{page.relative_to(REPO)} links to headings that do not exist: {wrong}"


def test_heading_anchors_follow_githubs_rule(tmp_path: Path):
    page = tmp_path / "page.md"
    page.write_text("# The models\n\n## Top-N quality\n\n### Scale and GPU (to refill)\n\n```\n# not a heading\n```\n")
    assert heading_anchors(page) == {"the-models", "top-n-quality", "scale-and-gpu-to-refill"}


def test_the_link_finder_finds_links_and_images_and_skips_code_and_web_addresses(tmp_path: Path):
    page = tmp_path / "page.md"
    page.write_text(
        'See [the docs](docs/a.md#part) and ![shot](img/b.png "title").\n'
        "`[not a link](c.md)` and [web](https://example.org) and [mail](mailto:x@y.z)\n"
        "```\n[code](d.md)\n```\n"
    )
    assert relative_links(page) == ["docs/a.md", "img/b.png"]
