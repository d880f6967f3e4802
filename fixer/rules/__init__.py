"""One module per rule, each registered with `fixer.engine.rules.rule` and imported automatically."""
