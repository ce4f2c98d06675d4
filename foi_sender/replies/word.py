"""The text of a Word (.docx) document, read straight from its WordprocessingML parts.

python-docx built its whole object model (and parsed styles.xml, often 300 KB) to give us
paragraph and table text: about 14 ms a letter. This reads only the parts the text is in (the
main document and the headers and footers it uses) with the standard library's expat, and gives
the same text python-docx did (tests/test_reply_formats.py compares the two on the fixtures):
- the default header of each section that has its own, the body, then such footers;
- only the direct paragraphs and tables of each (python-docx's `iter_inner_content`);
- a paragraph's runs and hyperlinks' runs: text, tabs, line breaks (page breaks as nothing),
  non-breaking hyphens;
- a table row as `cell | cell` (a cell spanning columns once, a vertically merged cell as the
  cell it continues), each cell's paragraphs on one line.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Callable, Iterator
from xml.etree import ElementTree

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_OFFICE_DOCUMENT = "/officeDocument"

_P, _TBL, _TR, _TC = f"{_W}p", f"{_W}tbl", f"{_W}tr", f"{_W}tc"
_RUN_TEXT = {f"{_W}tab": "\t", f"{_W}ptab": "\t", f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-"}


def docx_lines(archive: zipfile.ZipFile, take: Callable[[str], str]) -> list[str]:
    """Paragraphs and table rows in reading order, each passed through `take` (the budget)."""
    main = _main_part(archive)
    rels = _relationships(archive, main)
    body = ElementTree.fromstring(archive.read(main)).find(f"{_W}body")
    if body is None:
        raise ValueError("no document body")
    sections = [*body.iterfind(f"{_P}/{_W}pPr/{_W}sectPr"), *body.iterfind(f"{_W}sectPr")]

    def own(kind: str) -> list[str]:
        found = []
        for section in sections:
            for reference in section.iterfind(f"{_W}{kind}Reference"):
                if reference.get(f"{_W}type") == "default":
                    part = archive.read(rels[reference.get(f"{_R}id")])
                    found.extend(_blocks(ElementTree.fromstring(part), take))
                    break
        return found

    lines = own("header")  # letterheads carry the date and reference
    lines.extend(_blocks(body, take))
    lines.extend(own("footer"))
    return lines


def _main_part(archive: zipfile.ZipFile) -> str:
    for rel in ElementTree.fromstring(archive.read("_rels/.rels")).iter(_RELS):
        if rel.get("Type", "").endswith(_OFFICE_DOCUMENT):
            return _resolve("", rel.get("Target", ""))
    raise ValueError("no main document part")


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str | None, str]:
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", f"{name}.rels")
    if rels_name not in archive.namelist():
        return {}
    return {
        rel.get("Id"): _resolve(folder, rel.get("Target", ""))
        for rel in ElementTree.fromstring(archive.read(rels_name)).iter(_RELS)
        if rel.get("TargetMode") != "External"
    }


def _resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))


def _blocks(container, take: Callable[[str], str]) -> Iterator[str]:
    for block in container:
        if block.tag == _P:
            yield take(_paragraph(block))
        elif block.tag == _TBL:
            yield from (take(row) for row in _rows(block))


def _paragraph(p) -> str:
    parts = []
    for child in p:
        if child.tag == f"{_W}r":
            parts.append(_run(child))
        elif child.tag == f"{_W}hyperlink":
            parts.extend(_run(r) for r in child.iterfind(f"{_W}r"))
    return "".join(parts)


def _run(r) -> str:
    parts = []
    for child in r:
        if child.tag == f"{_W}t":
            parts.append(child.text or "")
        elif child.tag == f"{_W}br":
            parts.append("\n" if child.get(f"{_W}type", "textWrapping") == "textWrapping" else "")
        else:
            parts.append(_RUN_TEXT.get(child.tag, ""))
    return "".join(parts)


def _rows(tbl) -> list[str]:
    """Each row's distinct cells; a `vMerge` continuation shows the text of the cell it
    continues (the cell at the same grid column in the row above), as python-docx does."""
    rows, above = [], {}
    for tr in tbl.iterfind(_TR):
        column = _int(tr.find(f"{_W}trPr/{_W}gridBefore"), 0)
        cells, seen, here = [], set(), {}
        for tc in tr.iterfind(_TC):
            span = max(_int(tc.find(f"{_W}tcPr/{_W}gridSpan"), 1), 1)
            merge = tc.find(f"{_W}tcPr/{_W}vMerge")
            if merge is not None and merge.get(f"{_W}val", "continue") == "continue":
                root = above.get(column, tc)
            else:
                root = tc
            here[column] = root
            if id(root) not in seen:
                seen.add(id(root))
                text = "\n".join(_paragraph(p) for p in root.iterfind(_P))
                cells.append(" ".join(text.split()))
            column += span
        above = here
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


def _int(node, default: int) -> int:
    value = node.get(f"{_W}val", "") if node is not None else ""
    return int(value) if value.isdigit() else default
