"""The survey's workflow: rounds, reviews of returns, approval up the tree, the office's reviews of
findings and its decisions on systems (处置决定), and the one vocabulary of states every page,
command and report uses.

Where `inventory.store` holds the tables and stores a return whole or not at all, this stage says
what may happen when: which units report in a round and which are offices (`scope`), what state a
unit or an office is in (`states`), and the steps that move them (`approvals`, `reviews`). It may
import the base modules, `inventory.form` and `inventory.store`.
"""
