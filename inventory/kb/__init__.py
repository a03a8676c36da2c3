"""The FAQ knowledge base (常见问题知识库): entries, search, the offline page, links from issue codes.

Owns `kb/` (Markdown entries, synonyms, the domain dictionary) and the one search engine every
surface uses (CLI, web, issue hints). It may import the base modules and `inventory.form` (to check
that the codes an entry names exist), nothing above.
"""

from .entries import Entry, KbError, load_entries
from .links import faq_note, link_faq
from .search import KnowledgeBase

__all__ = ["Entry", "KbError", "KnowledgeBase", "faq_note", "link_faq", "load_entries"]
