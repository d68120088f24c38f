"""The lesson text's Markdown subset, turned into Qt rich text (HTML that ``QLabel`` shows).

A step's text is written in a small part of Markdown: paragraphs separated by blank
lines, ``**bold**``, ``*italic*``, ```code```, bullet lists (``- `` or ``* ``) and
numbered lists (``1. ``). Mathematics is plain Unicode (``J(w) = w²``, ``∂J/∂w``), so it
needs no markup. Everything is HTML-escaped before any markup is added: a lesson file
cannot inject tags, links, images or styles into the window.
"""

from __future__ import annotations

import html
import re

__all__ = ["to_rich_text"]

_BULLET = re.compile(r"^\s*[-*]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*(\d{1,9})[.)]\s+(.*)$")
# Code first, so that stars inside code stay stars; then bold before italic.
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"\*(?=\S)(.+?)(?<=\S)\*")
_CODE_MARK = "\x00"  # stands for a code span while bold and italic are read


def to_rich_text(text: str) -> str:
    """Return a lesson text (the Markdown subset) as Qt rich text.

    Parameters
    ----------
    text
        The step's text as the lesson file holds it.

    Returns
    -------
    str
        HTML made of ``<p>``, ``<b>``, ``<i>``, ``<code>``, ``<ul>``, ``<ol>`` and
        ``<li>`` only; every character of the source is escaped.
    """
    blocks: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    kind = ""  # "ul" or "ol" while a list is open
    start = 1

    def close_paragraph() -> None:
        if paragraph:
            blocks.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()

    def close_list() -> None:
        nonlocal kind
        if items:
            first = f' start="{start}"' if kind == "ol" and start != 1 else ""
            body = "".join(f"<li>{_inline(item)}</li>" for item in items)
            blocks.append(f"<{kind}{first}>{body}</{kind}>")
            items.clear()
        kind = ""

    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        bullet, numbered = _BULLET.match(line), _NUMBERED.match(line)
        if not line.strip():
            close_paragraph()
            close_list()
        elif bullet or numbered:
            close_paragraph()
            new_kind = "ul" if bullet else "ol"
            if kind != new_kind:
                close_list()
                kind = new_kind
                start = int(numbered.group(1)) if numbered else 1
            items.append(bullet.group(1) if bullet else numbered.group(2))
        elif items and line[:1].isspace():
            items[-1] += " " + line.strip()  # an indented line continues the list item
        else:
            close_list()
            paragraph.append(line.strip())
    close_paragraph()
    close_list()
    return "".join(blocks)


def _inline(text: str) -> str:
    """Return one paragraph's or item's text escaped, with bold, italic and code marked."""
    codes: list[str] = []

    def keep_code(match: re.Match) -> str:
        codes.append(match.group(1))
        return f"{_CODE_MARK}{len(codes) - 1}{_CODE_MARK}"

    text = _CODE.sub(keep_code, text.replace(_CODE_MARK, ""))
    text = html.escape(text, quote=True)
    text = _BOLD.sub(r"<b>\1</b>", text)
    text = _ITALIC.sub(r"<i>\1</i>", text)
    return re.sub(f"{_CODE_MARK}(\\d+){_CODE_MARK}",
                  lambda m: f"<code>{html.escape(codes[int(m.group(1))], quote=True)}</code>", text)
