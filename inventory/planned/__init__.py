"""Planned projects (拟建项目) checked against the inventory before they are built (issue 31).

Owns the planned-project form (`forms/planned.json`) read into a sheet (`fields.py`), its
one-row-per-project template and the reading of filled templates, CSV files and a return's 在建 rows
(`template.py`, `read.py`), the check against every existing system and the round's other planned
projects (`index.py`, `check.py`, `reuse.py`, reusing the duplicate finder's name reader, encoder and
evidence), the 预审 record kept with each project (`reviews.py`) and the per-project and batch reports
(`reports.py`). It may import the base modules, form, template, store, workflow, assess and report;
the CLI and the portal import it.
"""
