"""The web portal, beside the CLI: it parses requests, calls the same library and renders pages.

Units sign in and submit; the office reviews, chases and downloads reports. Owns HTTP only:
accounts, decisions and the audit log live in `inventory.store`, validation in `inventory.intake`,
reports in `inventory.report`, the FAQ in `inventory.kb`. It may import every stage below it
(form to report, kb), never the CLI.
"""

from .app import create_app
from .config import Settings

__all__ = ["Settings", "create_app"]
