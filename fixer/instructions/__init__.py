"""Helpers shared by the rules that answer hadolint's and BuildKit's instruction-level checks (issue 10):
keyword casing, stage references, instruction-level edits (the commands of a RUN: `fixer.model.commands`)."""
