"""Which FAQ entry explains an issue code: the knowledge base's own data (each entry's `codes`).

Intake attaches the note to an issue's hint when it finishes a file, so the form's catalogue never
needs to know the knowledge base exists.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from ..form.issues import Issue


@lru_cache(maxsize=1)
def _links() -> dict[str, tuple[str, str]]:
    """Issue code -> (FAQ id, question); empty when the knowledge base cannot be read."""
    from .entries import code_links  # the entries (YAML, Markdown) load only when a file has issues

    try:
        return {code: (e.id, e.question) for code, e in code_links().items()}
    except Exception:  # a broken knowledge base must never stop validation
        return {}


def faq_note(code: str) -> str:
    link = _links().get(code)
    return f"详见常见问题「{link[1]}」（编号 {link[0]}）。" if link else ""  # the title first: the id is for `inventory kb show`


def link_faq(issue: Issue) -> Issue:
    """The issue with the FAQ entry for its code named in the hint (unchanged when there is none)."""
    note = faq_note(issue.code)
    if not note or note in issue.hint:
        return issue
    return replace(issue, hint=f"{issue.hint} {note}".strip())
