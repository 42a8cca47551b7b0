"""The text a reader of an HTML page sees, and its title; nothing the page hides.

Hidden text is where a page keeps what is not meant for its readers, prompt injections
included ("ignore your instructions…" in a `display:none` block). Left out, with everything
inside them: `<head>` (but its `<title>`), `<script>`, `<style>`, `<template>`, `<noscript>`,
`<iframe>`, `<datalist>`, a `<dialog>` that is not `open`, and any element with the `hidden`
attribute, `aria-hidden="true"`, or an inline style of `display: none`, `visibility: hidden`
or `collapse`, `content-visibility: hidden`, `opacity: 0` or `font-size: 0`. Hiding through a
stylesheet's classes, off-screen positions or text coloured like its background is not seen.

HTML's optional end tags are closed as a browser closes them (a `<p>` by the next block, an
`<li>` by the next item, a cell by the next cell), so that a hidden element does not swallow
what follows it. No entity is expanded beyond HTML's fixed named ones: there are no entity
bombs in HTML.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
_NEVER_SHOWN = {"head", "script", "style", "template", "noscript", "iframe", "datalist"}
_HEAD_CONTENT = {"title", "meta", "link", "style", "script", "base", "noscript", "template"}
_BLOCK = {"p", "div", "li", "tr", "ul", "ol", "dl", "dt", "dd", "table", "section", "article", "header", "footer"}
_BLOCK |= {"h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "main", "nav", "aside", "figure", "form", "hr"}
_PHRASING = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "em", "font", "i", "kbd", "mark", "q", "s", "samp"}
_PHRASING |= {"small", "span", "strong", "sub", "sup", "time", "u", "var"}
# an element that a new one of these tags closes, and the tags that bound the search
_CLOSED_BY = {
    "li": (("li",), {"ul", "ol", "menu"}),
    "dt": (("dt", "dd"), {"dl"}),
    "dd": (("dt", "dd"), {"dl"}),
    "tr": (("tr",), {"table", "thead", "tbody", "tfoot"}),
    "td": (("td", "th"), {"tr", "table"}),
    "th": (("td", "th"), {"tr", "table"}),
    "option": (("option",), {"select", "datalist"}),
}
_HIDING_STYLE = re.compile(
    r"(?:^|;)(?:display:none|visibility:(?:hidden|collapse)|content-visibility:hidden"
    r"|opacity:0(?:\.0*)?%?|font-size:0(?:\.0*)?[a-z%]*)(?:!important)?(?:;|$)"
)


def hides(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    """Whether this element, and so everything in it, is not shown."""
    if tag in _NEVER_SHOWN:
        return True
    named = {name.lower(): (value or "") for name, value in attrs}
    if "hidden" in named or named.get("aria-hidden", "").strip().lower() == "true":
        return True
    if tag == "dialog" and "open" not in named:
        return True
    style = re.sub(r"\s+", "", named.get("style", "").lower())
    return bool(_HIDING_STYLE.search(style))


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._open: list[tuple[str, bool]] = []  # open elements: (tag, hidden with its ancestors)
        self._in_title = False
        self._titled = False

    @property
    def _hidden(self) -> bool:
        return bool(self._open) and self._open[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._close_implied_by(tag)
        if tag == "title" and not self._titled and not any(t == "svg" for t, _ in self._open):
            self._in_title = True
        if tag in _VOID:
            if tag in ("br", "hr") and not self._hidden:
                self.parts.append("\n")
            return
        hidden = self._hidden or hides(tag, attrs)
        self._open.append((tag, hidden))
        if not hidden:
            self.parts.append("\n" if tag in _BLOCK else " " if tag in ("td", "th") else "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)  # HTML ignores "/>" on a normal element: <div hidden/> still opens it

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title, self._titled = False, True
        if any(t == tag for t, _ in self._open):
            while self._open and self._open.pop()[0] != tag:
                pass
        if tag in _BLOCK and not self._hidden:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
            return
        if data.strip() and self._open and self._open[-1][0] == "head":
            self._open.pop()  # text in <head> starts the body, as in a browser
        if not self._hidden:
            self.parts.append(data)

    def _close_implied_by(self, tag: str) -> None:
        """Close what a browser closes when `tag` opens (HTML's optional end tags)."""
        if tag == "body" or (tag not in _HEAD_CONTENT and self._open and self._open[-1][0] == "head"):
            self._pop_to("head", stop=set())
        if tag in _BLOCK or tag == "p":
            self._pop_to("p", stop=set(), only_through=_PHRASING)
        if tag in _CLOSED_BY:
            closes, bounds = _CLOSED_BY[tag]
            for name in closes:
                if self._pop_to(name, stop=bounds):
                    break

    def _pop_to(self, name: str, stop: set[str], only_through: set[str] | None = None) -> bool:
        """Close the nearest open `name` and what is inside it, unless a `stop` element (or, with
        `only_through`, any element not in it) comes first."""
        for depth in range(len(self._open) - 1, -1, -1):
            tag = self._open[depth][0]
            if tag == name:
                del self._open[depth:]
                return True
            if tag in stop or (only_through is not None and tag not in only_through):
                return False
        return False


def visible_text(html: str) -> tuple[str, str]:
    """(title, visible text): lines with their spaces collapsed, empty lines dropped."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return " ".join(parser.title.split()), "\n".join(line for line in lines if line)
