"""The model: one reading of a parsed Dockerfile that every rule shares.

A rule asks the model, never another rule, what a stage is built from, what a RUN runs, which package
manager a command drives, or what a COPY reads from the build context. Each concept lives in one module
of this package, and each fact is computed once per parsed tree (see `fixer.model.memo`): a tree never
changes after `parse`, since a fix makes a new text and a new tree.
"""
