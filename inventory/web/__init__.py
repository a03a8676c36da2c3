"""The web portal, beside the CLI: it parses requests, calls the same library and renders pages.

Empty until the portal issue (#15). It may import every stage below it (form to report), never the CLI.
"""
