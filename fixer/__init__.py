"""dockfix: a Dockerfile auto-fixer that keeps the build's meaning."""

__version__ = "0.1.0"
