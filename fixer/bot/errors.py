"""The two ways the bot stops early, mapped to exit codes by the command."""

from __future__ import annotations


class BotError(Exception):
    """A git or forge API failure: exit 1. The message is for people and never holds a secret."""


class UsageError(Exception):
    """The command was called wrongly (missing token, unknown repository): exit 2."""
