"""The FAQ knowledge base (常见问题知识库): entries, search, the offline page, links from issue codes.

Owns `kb/` (Markdown entries, synonyms, the domain dictionary) and the one search engine every
surface uses (CLI, web, issue hints). It may import the base modules and `inventory.form` (to check
that the codes an entry names exist), nothing above.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .entries import Entry, KbError, load_entries
    from .links import faq_note, link_faq
    from .search import KnowledgeBase

__all__ = ["Entry", "KbError", "KnowledgeBase", "faq_note", "link_faq", "load_entries"]
_HOME = {
    "Entry": "entries",
    "KbError": "entries",
    "load_entries": "entries",
    "faq_note": "links",
    "link_faq": "links",
    "KnowledgeBase": "search",
}


def __getattr__(name: str) -> Any:
    """Loaded on first use: validating a file needs the links only when it has issues, and never the search."""
    if name in _HOME:
        from importlib import import_module

        return getattr(import_module(f".{_HOME[name]}", __name__), name)
    raise AttributeError(name)
