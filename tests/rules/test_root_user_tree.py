"""DF005 reads who an image built in the same tree runs as: compose, bake and Makefile tags, and folder names."""

from __future__ import annotations

from pathlib import Path

from fixer.nonroot.tree import built_here, tree_root
from tests.support.fixture_pairs import run

APP = "FROM {image}\nRUN echo building\nCOPY . /opt/app\nCMD [\"/opt/app/run\"]\n"
JENKINS = "FROM jenkins/jenkins:lts\nUSER root\nRUN apt-get update && apt-get install -y --no-install-recommends bats\nUSER jenkins\n"


def tree(root: Path, files: dict[str, str]) -> Path:
    (root / ".git").mkdir()
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def df005(path: Path) -> tuple[str, list[str]]:
    result = run(path.read_text(), "DF005", unsafe=True, path=path)
    return result.output, [f.message for f in result.findings]


def test_compose_tagged_image_running_as_jenkins_is_left_alone(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "docker-compose.yml": "services:\n  jenkins:\n    image: bats-jenkins\n    build: ./ci/jenkins\n",
            "ci/jenkins/Dockerfile": JENKINS,
            "tests/Dockerfile": APP.format(image="bats-jenkins"),
        },
    )
    out, messages = df005(root / "tests/Dockerfile")
    assert out == APP.format(image="bats-jenkins") and messages == []


def test_folder_named_like_the_image(tmp_path: Path) -> None:
    root = tree(tmp_path, {"bats-jenkins/Dockerfile": JENKINS, "tests/Dockerfile": APP.format(image="bats-jenkins:latest")})
    out, messages = df005(root / "tests/Dockerfile")
    assert out == APP.format(image="bats-jenkins:latest") and messages == []


def test_bake_tags_with_target(tmp_path: Path) -> None:
    bake = 'target "base" {\n  context = "images/base"\n  target = "runtime"\n  tags = ["example/base:1"]\n}\n'
    base = "FROM debian:bookworm-slim AS runtime\nRUN useradd --uid 1234 svc\nUSER 1234\n\nFROM runtime AS debug\nUSER root\n"
    root = tree(tmp_path, {"docker-bake.hcl": bake, "images/base/Dockerfile": base, "app/Dockerfile": APP.format(image="example/base:1")})
    out, messages = df005(root / "app/Dockerfile")
    assert out == APP.format(image="example/base:1") and messages == []


def test_makefile_tagged_root_image_gets_a_user_its_distribution_creates(tmp_path: Path) -> None:
    make = "image:\n\tdocker build -t toolbox:dev -f tools/Containerfile tools\n"
    root = tree(tmp_path, {"Makefile": make, "tools/Containerfile": "FROM alpine:3.20\nRUN apk add --no-cache git\n"})
    (root / "svc").mkdir()
    (root / "svc/Dockerfile").write_text(APP.format(image="toolbox:dev"))
    out, messages = df005(root / "svc/Dockerfile")
    assert "RUN addgroup -S -g 10001 app && adduser -S -D -u 10001 -G app app\nUSER 10001:10001\n" in out
    assert "create user `app` (Alpine)" in messages[0]


def test_tree_image_from_a_variable_is_reported(tmp_path: Path) -> None:
    compose = "services:\n  base:\n    image: team/base\n    build:\n      context: base\n"
    root = tree(tmp_path, {"compose.yaml": compose, "base/Dockerfile": "ARG FROM_IMAGE\nFROM ${FROM_IMAGE}\n", "app/Dockerfile": APP.format(image="team/base")})
    out, messages = df005(root / "app/Dockerfile")
    assert out == APP.format(image="team/base")
    assert len(messages) == 1 and "built as `team/base` by compose.yaml (service base)" in messages[0]
    assert "not fixed" in messages[0]


def test_a_folder_named_like_an_official_image_is_not_that_image(tmp_path: Path) -> None:
    # nginx/Dockerfile customises Docker Hub's nginx; `FROM nginx` elsewhere still means Docker Hub's
    root = tree(tmp_path, {"nginx/Dockerfile": "FROM nginx:1.27\nUSER 101\n", "web/Dockerfile": "FROM nginx:1.27\nCOPY site/ /usr/share/nginx/html/\n"})
    assert built_here("nginx:1.27", root / "web/Dockerfile") is not None  # the folder matches ...
    _, messages = df005(root / "web/Dockerfile")
    assert len(messages) == 1 and "runs as root by design" in messages[0]  # ... but is not used


def test_the_file_itself_and_ambiguous_folders_are_not_used(tmp_path: Path) -> None:
    root = tree(tmp_path, {"a/tool/Dockerfile": "FROM alpine\n", "b/tool/Dockerfile": "FROM alpine\n"})
    assert built_here("tool", root / "c/Dockerfile") is None
    assert built_here("tool", root / "a/tool/Dockerfile") is not None  # only b's remains: not itself
    assert built_here("tool", root / "a/tool/Dockerfile").dockerfile == root / "b/tool/Dockerfile"  # type: ignore[union-attr]


def test_tree_root_is_the_repository(tmp_path: Path) -> None:
    root = tree(tmp_path, {"x/y/Dockerfile": ""})
    assert tree_root(root / "x/y/Dockerfile") == root.resolve()


def test_outside_a_repository_only_the_files_folder_is_read(tmp_path: Path) -> None:
    (tmp_path / "bats-jenkins").mkdir()
    (tmp_path / "bats-jenkins/Dockerfile").write_text(JENKINS)
    (tmp_path / "app").mkdir()
    (tmp_path / "app/Dockerfile").write_text(APP.format(image="bats-jenkins"))
    assert tree_root(tmp_path / "app/Dockerfile") == (tmp_path / "app").resolve()
    assert built_here("bats-jenkins", tmp_path / "app/Dockerfile") is None
