"""DF004 copy-before-dependencies: fixture pairs with their build contexts, must-not-change cases, and a
toy build (tests/support/df004_simulate.py) showing that every safe fix leaves each stage's file system and
each step's inputs unchanged, while the unsafe ones and the refused moves really would change them."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixer.model.context import BuildContext
from fixer.model.paths import Tree
from fixer.engine.finding import Applicability
from fixer.engine.pipeline import Result
from fixer.syntax import parse
from tests.support.df004_simulate import build
from tests.support.fixture_pairs import FIXTURES, case_options, context_for, keeps, pairs, read, run

RULE = "copy-before-dependencies"
FOLDER = FIXTURES / RULE


def _run(src: Path, text: str | None = None) -> Result:
    """Run DF004 on a fixture; `context=none` in CASE.args means no build context at all, and
    `select=DF002,DF004` runs DF002 beside it (the split must win over merging the install away)."""
    opts = case_options(src)
    none = opts.get("context") == "none"
    return run(
        read(src) if text is None else text,
        opts.get("select", "DF004"),
        unsafe=opts.get("unsafe") == "true",
        path=None if none else src,
        context_dir=None if none else context_for(src),
    )


@pytest.mark.parametrize(("src", "expected"), pairs(RULE))
def test_fix(src: Path, expected: Path) -> None:
    out = _run(src).output
    assert out == read(expected)
    assert _run(src, out).output == out, "a second run changed the output"


@pytest.mark.parametrize("src", keeps(RULE))
def test_keep(src: Path) -> None:
    result = _run(src)
    assert result.output == read(src)
    expect = case_options(src).get("expect")
    found = [f for f in result.findings if f.code == "DF004"]
    if expect == "report":
        # an install that reads the project: reported, never fixed
        assert len(found) == 1 and found[0].fix is None, found
        assert "cannot be split off" in found[0].message
    elif expect == "unsafe":
        assert len(found) == 1 and found[0].fix is not None
        assert found[0].fix.applicability is Applicability.UNSAFE
    else:
        assert found == []


def test_every_fixture_has_its_build_context() -> None:
    """Without a `.context` folder the rule would read the fixtures folder itself as the context."""
    for src in FOLDER.glob("*.Dockerfile"):
        if ".out." in src.name:
            continue
        assert context_for(src) is not None or case_options(src).get("context") == "none", src.name


def _simulated_pairs() -> list[object]:
    found = []
    for src, expected in ((p.values[0], p.values[1]) for p in pairs(RULE)):
        assert isinstance(src, Path) and isinstance(expected, Path)
        if context_for(src) is None:
            continue
        unsafe = case_options(src).get("unsafe") == "true"
        found.append(pytest.param(src, expected, unsafe, id=src.name.split(".")[0]))
    return found


@pytest.mark.parametrize(("src", "expected", "unsafe"), _simulated_pairs())
def test_fix_keeps_what_every_step_reads(src: Path, expected: Path, unsafe: bool) -> None:
    """Build the original and the fixed file with stand-in commands: every safe fix gives the same final
    file system in every stage and the same inputs to every RUN; each unsafe one really can differ."""
    ctx = context_for(src)
    before = build(read(src), ctx)
    after = build(read(expected), ctx)
    assert not isinstance(before, str), before
    if unsafe:
        assert before != after, "an unsafe fix that changes nothing should have been safe"
    else:
        assert after == before


def _naive_move(text: str) -> str:
    """Move the first build-context COPY of the last stage after the next RUN, as a careless fixer would."""
    df = parse(text)
    instrs = df.stages[-1].instructions
    copy = next(i for i in instrs if i.cmd in ("COPY", "ADD") and not i.flag("from"))
    target = next(i for i in instrs if i.index > copy.index and i.cmd == "RUN")
    return (
        text[: copy.full_start] + text[copy.end : target.end] + text[copy.full_start : copy.end] + text[target.end :]
    )


REFUSED = [
    "system-destination",  # apt installs into the destination
    "workdir-of-destination-chown",  # WORKDIR would create the directory as root, not as the --chown owner
    "workdir-of-destination-user",  # WORKDIR would create the directory for USER nobody, the COPY for root
    "run-uses-destination",  # the RUN changes what was copied
    "chown-by-name",  # the user the COPY names only exists after the RUN
    "home-of-new-user",  # useradd skips the skeleton when the home exists
    "path-lookup",  # the copied apt-get would not be the one the RUN runs
    "parent-created-by-copy",  # the download needs the folder the COPY creates
    "pip-editable",  # the install reads the project
    "npm-postinstall",  # the install runs a project script
]


@pytest.mark.parametrize("name", REFUSED)
def test_refused_moves_would_change_the_build(name: str) -> None:
    """The cases DF004 leaves alone are not over-caution: moving the COPY naively changes the toy build."""
    src = FOLDER / f"{name}.keep.Dockerfile"
    ctx = context_for(src)
    text = read(src)
    assert build(_naive_move(text), ctx) != build(text, ctx)


# --- the parts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patterns", "ignored", "kept"),
    [
        ("node_modules\n", ["node_modules", "node_modules/a/b.js"], ["src/node_modules", "node_modules.txt"]),
        ("*.md\n!README.md\n", ["CHANGES.md"], ["README.md", "docs/x.md"]),
        ("**/*.pyc\n", ["a.pyc", "pkg/sub/b.pyc"], ["a.py"]),
        ("/build/\n# comment\n", ["build", "build/out.bin"], ["src/build"]),
        ("docs\n!docs/keep.txt\n", ["docs/a.txt"], ["docs/keep.txt"]),
    ],
)
def test_dockerignore_follows_docker_not_git(tmp_path: Path, patterns: str, ignored: list[str], kept: list[str]) -> None:
    """Patterns are anchored at the context root (git's `*.md` would match anywhere), `/x/` is `x`,
    and a re-included file inside an excluded folder comes back."""
    (tmp_path / ".dockerignore").write_text(patterns)
    ctx = BuildContext(tmp_path)
    assert [p for p in ignored if not ctx.ignored(p)] == []
    assert [p for p in kept if ctx.ignored(p)] == []


def test_dockerfile_specific_ignore_file_wins(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("a.txt\n")
    (tmp_path / "app.Dockerfile.dockerignore").write_text("b.txt\n")
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("x")
    ctx = BuildContext(tmp_path, tmp_path / "app.Dockerfile")
    assert ctx.is_file("a.txt") and not ctx.is_file("b.txt")


@pytest.mark.parametrize(
    ("tree", "path", "touches"),
    [
        (Tree("/usr", ("/usr/local",)), "/usr/local/bin/entrypoint.sh", False),
        (Tree("/usr", ("/usr/local",)), "/usr/src/app", True),
        (Tree("/usr", ("/usr/local",)), "/", True),  # a copy to / overlaps everything
        (Tree("/home/*/.*"), "/home/node/app", False),
        (Tree("/home/*/.*"), "/home/node/.npm", True),
        (Tree("/home/*/.*"), "/home", True),
        (Tree("/app/data"), "/app", True),
        (Tree("/app/data"), "/application", False),
    ],
)
def test_tree_overlap(tree: Tree, path: str, touches: bool) -> None:
    assert tree.touches(path) is touches


@pytest.mark.parametrize(
    ("script", "passes"),
    [
        ("apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*", True),
        ("set -eux; apk add --no-cache --virtual .build-deps gcc musl-dev; apk del .build-deps", True),
        ('pip install --no-cache-dir "uvicorn[standard]==0.30" flask', True),
        ("npm install -g pm2@5 @angular/cli", True),
        ("groupadd -r app && useradd -r -g app -d /home/app app", True),
        ("mkdir -p /data && chown -R 1000:1000 /data && chmod 750 /data", True),
        ("echo 'deb http://x y main' > /etc/apt/sources.list.d/x.list", True),
        ("python3 -m venv /opt/venv", True),
        ("curl -fsSL https://example.com/t.tgz | tar -xz -C /opt/tool --strip-components=1", True),
        ("wget -q -O /usr/local/bin/tini https://example.com/tini && chmod +x /usr/local/bin/tini", True),
        ("python3 -m venv .venv", False),
        ("wget -q https://example.com/t.tgz", False),  # saved into the working directory
        ("curl -fsSL https://example.com/install.sh | sh", False),
        ("tar -xzf vendor.tgz -C /opt", False),  # a relative archive
        ("pip install uvicorn[standard]", False),  # unquoted: the shell globs the working directory
        ("pip install -r requirements.txt", False),
        ("pip install .", False),
        ("npm install", False),
        ("apt-get install -y $PACKAGES", False),
        ("apt-get -c ./apt.conf install curl", False),
        ("apt-get install -y ./local.deb", False),
        ("mkdir data", False),
        ("cd /tmp && make", False),
        ("chown -R app /app", False),  # the destination itself
        ("useradd --home-dir /app app", False),
        ("apt-get install -y $(cat packages.txt)", False),
        ("gem install bundler", False),
        ("yarn cache clean", False),  # reads the project's .yarnrc, here in the destination  # may install a local bundler-*.gem from the working directory
    ],
)
def test_which_runs_a_copy_to_app_passes(script: str, passes: bool) -> None:
    text = f"FROM debian:bookworm\nWORKDIR /app\nCOPY . .\nRUN {script}\nRUN apt-get update\n"
    result = run(text, "DF004", path=None, context_dir=None)
    moved = result.output != text
    assert moved is passes, result.findings
