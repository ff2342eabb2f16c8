"""docs/index.md, the user guide, leads to every page; its links and the README's resolve."""

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS = os.path.join(ROOT, "docs")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path):
    with open(path) as f:
        text = re.sub(r"```.*?```", "", f.read(), flags=re.S)  # '#' lines in code are no headings
    return {slug(m.group(1)) for m in re.finditer(r"^#+ (.*)$", text, flags=re.M)}


def broken_links(path):
    broken = []
    with open(path) as f:
        text = f.read()
    for target in LINK.findall(text):
        if "://" in target:
            continue
        file, _, anchor = target.partition("#")
        full = os.path.normpath(os.path.join(os.path.dirname(path), file)) if file else path
        if not os.path.exists(full):
            broken.append(target)
        elif anchor and full.endswith(".md") and anchor not in anchors(full):
            broken.append(target)
    return broken


def test_the_guide_links_every_page():
    with open(os.path.join(DOCS, "index.md")) as f:
        linked = {t.partition("#")[0] for t in LINK.findall(f.read())}
    pages = {p for p in os.listdir(DOCS) if p.endswith(".md") and p != "index.md"}
    assert pages <= linked, f"pages the guide does not link: {sorted(pages - linked)}"


def test_links_resolve():
    for path in (os.path.join(DOCS, "index.md"), os.path.join(ROOT, "README.md")):
        assert not broken_links(path), f"{path}: broken links {broken_links(path)}"


def test_the_readme_points_to_the_guide():
    with open(os.path.join(ROOT, "README.md")) as f:
        assert "(docs/index.md)" in f.read()
