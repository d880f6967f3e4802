"""Settings from `.dockfix.toml` or `[tool.dockfix]` in pyproject.toml, and hadolint's `.hadolint.yaml`.

Found by walking up from the first path, as ruff and black do; `.dockfix.toml` wins over pyproject.toml in
the same folder. Every key is checked: an unknown key or a bad value is an error naming the file and key.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any


class ConfigError(Exception):
    """One line: the file, the key and what is wrong with it."""


@dataclass
class Settings:
    select: list[str] = field(default_factory=lambda: ["ALL"])
    ignore: list[str] = field(default_factory=list)
    unsafe_fixes: bool | None = None
    exclude: list[str] = field(default_factory=list)
    pin: str = "tag"
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)  # by rule code
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    hadolint_ignored: list[str] = field(default_factory=list)  # DL codes
    source: Path | None = None  # the config file these came from

    @property
    def root(self) -> Path | None:
        return self.source.parent if self.source else None

    def ignores_for(self, path: Path | None) -> list[str]:
        """The rules `per-file-ignores` switches off for this file."""
        if path is None or not self.per_file_ignores:
            return []
        rel = _relative(path, self.root)
        out: list[str] = []
        for pattern, rules in self.per_file_ignores.items():
            if _glob(rel, pattern):
                out.extend(rules)
        return out

    def excluded(self, path: Path) -> bool:
        rel = _relative(path, self.root)
        return any(_glob(rel, pattern) for pattern in self.exclude)


def _resolve(path: Path) -> Path:
    """`path` made absolute with symlinks resolved as far as they go: a symlink loop is the file's own error
    (reported when it is read), not a reason for the configuration lookup to fail."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):  # RuntimeError: "Symlink loop" before Python 3.13
        return Path(os.path.abspath(path))


def _relative(path: Path, root: Path | None) -> str:
    p = _resolve(path)
    if root is not None:
        try:
            return p.relative_to(_resolve(root)).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def _glob(rel: str, pattern: str) -> bool:
    # a pattern without a slash matches the file name anywhere, as in .gitignore and ruff
    if "/" not in pattern:
        return fnmatch.fnmatchcase(PurePosixPath(rel).name, pattern)
    return PurePosixPath(rel).match(pattern) or fnmatch.fnmatchcase(rel, pattern)


def _is(path: Path, kind: str) -> bool:
    # discovery must not fail on folders the user may not read: the file's own error says it better
    try:
        return path.is_dir() if kind == "dir" else path.is_file()
    except OSError:
        return False


def _folders(start: Path) -> list[Path]:
    here = _resolve(start)
    if not _is(here, "dir"):
        here = here.parent
    return [here, *here.parents]


def find_config(start: Path) -> Path | None:
    for d in _folders(start):
        own = d / ".dockfix.toml"
        if _is(own, "file"):
            return own
        pp = d / "pyproject.toml"
        if _is(pp, "file") and _dockfix_table(pp) is not None:
            return pp
    return None


# a `[tool.dockfix]` (or `[tool.dockfix.rules…]`) header, or a dotted `tool.dockfix.… =` key
_DECLARES_DOCKFIX = re.compile(r"^\s*(?:\[+\s*tool\s*\.\s*\"?dockfix\b|tool\s*\.\s*\"?dockfix\b)", re.MULTILINE)


def _dockfix_table(pp: Path) -> dict[str, Any] | None:
    """pyproject.toml's `[tool.dockfix]`; None when it has none. A file that holds one but is broken is an
    error, not a file without settings: skipping it would apply the defaults or a parent's config silently."""
    try:
        text = pp.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None  # another tool's file it may be; a pyproject dockfix cannot read is not dockfix's
    try:
        data = _parse_toml(pp, text)
    except ConfigError:
        if _DECLARES_DOCKFIX.search(text):
            raise
        return None
    tool = data.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise ConfigError(f"{pp}: `tool` must be a table")
    if "dockfix" not in tool:
        return None
    if not isinstance(tool["dockfix"], dict):
        raise ConfigError(f"{pp}: `tool.dockfix` must be a table")
    return tool["dockfix"]


def _parse_toml(path: Path, text: str) -> dict[str, Any]:
    import tomllib  # only when there is a config file to read

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        reason = str(e)
        m = re.search(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$", reason)
        if m is None:
            raise ConfigError(f"{path}: not valid TOML ({reason})") from None
        line = m.group(1) or str(text.count("\n") + (not text.endswith("\n")))
        raise ConfigError(f"{path}:{line}: not valid TOML ({reason[: m.start()]})") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML (nested too deeply)") from None


_STR_LIST = "a list of strings"


def _str_list(where: str, key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: `{key}` must be {_STR_LIST}")
    return list(value)


def load(path: Path, rule_options: dict[str, dict[str, type]] | None = None) -> Settings:
    """Read and check a config file. `rule_options` maps rule code → {option: type} that rules accept."""
    if path.name == "pyproject.toml":
        data = _dockfix_table(path)
        if data is None:
            data = {}
            try:
                path.read_bytes()
            except OSError as e:
                raise ConfigError(f"{path}: cannot read ({e.strerror})") from None
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"{path}: cannot read ({e})") from None
        data = _parse_toml(path, text)
    where = str(path)
    s = Settings(source=path)
    for key, value in data.items():
        if key == "select":
            s.select = _rule_tokens(where, key, value)
        elif key == "ignore":
            s.ignore = _rule_tokens(where, key, value)
        elif key == "exclude":
            s.exclude = _str_list(where, key, value)
        elif key == "unsafe-fixes":
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: `unsafe-fixes` must be true or false")
            s.unsafe_fixes = value
        elif key == "pin":
            if value not in ("tag", "digest"):
                raise ConfigError(f"{where}: `pin` must be \"tag\" or \"digest\", not {value!r}")
            s.pin = value
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: `per-file-ignores` must be a table of glob = [rules]")
            # stored as codes: the rules dropped per file are compared by code
            s.per_file_ignores = {
                g: _codes(where, f'per-file-ignores."{g}"', _rule_tokens(where, f'per-file-ignores."{g}"', v))
                for g, v in value.items()
            }
        elif key == "rules":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: `rules` must be a table of per-rule tables")
            s.rule_options = _rule_options(where, value, rule_options or {})
        else:
            raise ConfigError(f"{where}: unknown key `{key}`")
    return s


def _rule_tokens(where: str, key: str, value: Any) -> list[str]:
    """Rule codes, names, code prefixes or ALL; one that names no rule is an error, as on the command line."""
    tokens = _str_list(where, key, value)
    for token in tokens:
        _codes(where, key, [token])
    return tokens


def _codes(where: str, key: str, tokens: list[str]) -> list[str]:
    from fixer.engine.rules import UnknownRuleError, select_rules

    codes: list[str] = []
    for token in tokens:
        try:
            found = select_rules([token]) if token.strip() else []
        except UnknownRuleError:
            found = []
        if not found:
            raise ConfigError(f"{where}: `{key}`: unknown rule {token!r}")
        codes.extend(r.code for r in found)
    return codes


def _rule_options(where: str, table: dict[str, Any], known: dict[str, dict[str, type]]) -> dict[str, dict[str, Any]]:
    from fixer.engine.rules import all_rules

    by_token = {r.code: r.code for r in all_rules()} | {r.name: r.code for r in all_rules()}
    out: dict[str, dict[str, Any]] = {}
    for token, opts in table.items():
        code = by_token.get(token.upper(), by_token.get(token))
        if code is None:
            raise ConfigError(f"{where}: `rules.{token}`: unknown rule")
        if not isinstance(opts, dict):
            raise ConfigError(f"{where}: `rules.{token}` must be a table")
        accepted = known.get(code, {})
        for k, v in opts.items():
            if k not in accepted:
                names = ", ".join(sorted(accepted)) or "none"
                raise ConfigError(f"{where}: `rules.{token}.{k}`: unknown option (accepted: {names})")
            want = accepted[k]
            ok = isinstance(v, want) and not (want is int and isinstance(v, bool))
            if want is float and isinstance(v, int) and not isinstance(v, bool):
                ok, v = True, float(v)
            if not ok:
                raise ConfigError(f"{where}: `rules.{token}.{k}` must be of type {want.__name__}")
        out.setdefault(code, {}).update(opts)
    return out


def find_hadolint_config(start: Path) -> Path | None:
    for d in _folders(start):
        for name in (".hadolint.yaml", ".hadolint.yml"):
            if _is(d / name, "file"):
                return d / name
    return None


def hadolint_ignored(path: Path) -> list[str]:
    """The `ignored:` DL codes of a .hadolint.yaml."""
    import yaml  # only repositories with a hadolint config pay for it

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read ({str(e).splitlines()[0]})") from None
    except RecursionError:
        raise ConfigError(f"{path}: cannot read (nested too deeply)") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top")
    return _str_list(str(path), "ignored", data.get("ignored", []))
