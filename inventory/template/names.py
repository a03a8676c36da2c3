"""The names of a template's own sheets, which readers look for (no openpyxl needed to know them)."""

INSTRUCTIONS_SHEET = "填表说明"
LISTS_SHEET = "_lists"
META_SHEET = "_meta"
