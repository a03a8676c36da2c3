"""The database: models, migrations, connection, atomic import, submission history.

Owns the schema (SQLAlchemy models, Alembic revisions applied on first use), connecting to SQLite
or PostgreSQL, the importer that stores a validated return whole or not at all, and the history of
submissions. It may import the base modules, `inventory.form` and `inventory.intake` (the importer
validates what it stores).
"""
