"""Markdown of instructions and proposals → safe HTML (markdown-it-py, then nh3 sanitising).

Raw HTML in Markdown is escaped by the parser and the result is sanitised again with an allow-list,
so content (ours, or an imported Pix release) can never inject scripts into pages.  Registered as
the Jinja filters ``content_markdown`` (blocks) and ``content_inline`` (one line: proposals, labels).
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_ALLOWED_TAGS = {
    "p", "br", "em", "strong", "del", "code", "pre", "blockquote", "ul", "ol", "li", "hr",
    "table", "thead", "tbody", "tr", "th", "td", "a", "h3", "h4", "h5", "h6", "kbd", "sub", "sup",
}
# No style attributes: the CSP forbids inline styles (Markdown column alignment is dropped).
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"])


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


@lru_cache(maxsize=4096)
def render_markdown(text: str | None) -> Markup:
    """A Markdown block (instruction) as sanitised HTML.  Cached: the bank's texts are few and immutable."""
    if not text:
        return Markup("")
    return Markup(_clean(_md.render(text)))  # noqa: S704 - sanitised by nh3 just above


@lru_cache(maxsize=8192)
def render_inline(text: str | None) -> Markup:
    """One line of Markdown (a proposal, a label) without the surrounding paragraph."""
    if not text:
        return Markup("")
    return Markup(_clean(_md.renderInline(text)))  # noqa: S704 - sanitised by nh3 just above
