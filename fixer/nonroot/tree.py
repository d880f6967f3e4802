"""Dockerfiles of the same source tree that build an image a FROM names.

A repository often builds one image from another of its own (`FROM bats-jenkins`): the image is tagged in
a compose file (`image:` beside `build:`), a bake file (`tags`), or a Makefile (`docker build -t`), or it is
built from a folder named like the image's last path component. Reading that Dockerfile tells who the
image runs as without any registry.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_COMPOSE = re.compile(r"(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml")
_BAKE = re.compile(r"docker-bake(?:\.[\w-]+)?\.(?:hcl|json)")
_MAKE = frozenset({"Makefile", "makefile", "GNUmakefile"})
_SKIP = frozenset({".git", "node_modules", "vendor", ".venv", "venv", "__pycache__", "target", "dist", "build"})
_MAX_FILES = 20000
_MAX_READ = 1 << 20


@dataclass(frozen=True)
class Built:
    """An image the tree builds: which Dockerfile, which stage (None: the last), and what says so."""

    dockerfile: Path
    target: str | None
    source: str  # e.g. "docker-compose.yml (service jenkins)"


_ROOT_MARKS = (".git", ".github", ".gitlab-ci.yml")
_MAX_UP = 4


def tree_root(path: Path) -> Path:
    """The repository the file belongs to: the nearest folder above it with a `.git` (or, in a copy without
    one, a `.github` or `.gitlab-ci.yml`), at most a few levels up; else only its own folder: a file outside
    any repository must not send dockfix reading, say, a whole home directory."""
    return _root_of(path.resolve().parent)


@functools.lru_cache(maxsize=64)
def _root_of(folder: Path) -> Path:
    # asked for every FROM of every file in every pass: the Dockerfiles of one folder share the answer
    ups = (folder, *folder.parents)[: _MAX_UP + 1]
    for mark in _ROOT_MARKS:
        for up in ups:
            if (up / mark).exists():
                return up
    return folder


def _name(image: str) -> str:
    """`registry:5000/team/app:1.2@sha256:…` -> `team/app` (tag, digest and Docker Hub prefixes dropped)."""
    ref = image.split("@", 1)[0]
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        ref = ref[:colon]
    for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/"):
        if ref.startswith(prefix):
            ref = ref[len(prefix) :]
    return ref.lower()


def _read(path: Path) -> str:
    try:
        with path.open("rb") as f:
            return f.read(_MAX_READ).decode("utf-8", "replace")
    except OSError:
        return ""


def _dockerfile(context: Path, dockerfile: str | None) -> Path:
    return (context / dockerfile) if dockerfile else context / "Dockerfile"


def _from_compose(path: Path) -> dict[str, Built]:
    import yaml

    try:
        doc = yaml.safe_load(_read(path))
    except yaml.YAMLError:
        return {}
    services = doc.get("services") if isinstance(doc, dict) else None
    out: dict[str, Built] = {}
    if not isinstance(services, dict):
        return out
    for service, spec in services.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("image"), str) or "build" not in spec:
            continue
        build = spec["build"]
        if isinstance(build, str):
            context, dockerfile, target = build, None, None
        elif isinstance(build, dict):
            context, dockerfile, target = build.get("context", "."), build.get("dockerfile"), build.get("target")
        else:
            continue
        if not isinstance(context, str) or "://" in context:
            continue
        df = _dockerfile(path.parent / context, dockerfile if isinstance(dockerfile, str) else None)
        out[_name(spec["image"])] = Built(df, target if isinstance(target, str) else None, f"{path.name} (service {service})")
    return out


_HCL_TARGET = re.compile(r'target\s+"([^"]+)"\s*\{(.*?)\n\}', re.S)
_HCL_STRING = r'\s*=\s*"([^"]*)"'


def _from_bake(path: Path) -> dict[str, Built]:
    text = _read(path)
    targets: list[tuple[str, dict[str, Any]]] = []
    if path.suffix == ".json":
        try:
            doc = json.loads(text)
        except ValueError:
            return {}
        raw = doc.get("target") if isinstance(doc, dict) else None
        if isinstance(raw, dict):
            targets = [(k, v) for k, v in raw.items() if isinstance(v, dict)]
    else:
        # the few attributes needed, read from HCL's plain `name = "value"` and `tags = [..]` forms
        for m in _HCL_TARGET.finditer(text):
            body = m.group(2)
            spec: dict[str, Any] = {}
            for key in ("context", "dockerfile", "target"):
                v = re.search(rf"(?m)^\s*{key}{_HCL_STRING}", body)
                if v:
                    spec[key] = v.group(1)
            tags = re.search(r"(?m)^\s*tags\s*=\s*\[([^\]]*)\]", body)
            spec["tags"] = re.findall(r'"([^"$]+)"', tags.group(1)) if tags else []
            targets.append((m.group(1), spec))
    out: dict[str, Built] = {}
    for name, spec in targets:
        context = spec.get("context", ".")
        if not isinstance(context, str) or "://" in context or "$" in context:
            continue
        dockerfile = spec.get("dockerfile")
        df = _dockerfile(path.parent / context, dockerfile if isinstance(dockerfile, str) else None)
        target = spec.get("target")
        for tag in spec.get("tags") or []:
            if isinstance(tag, str):
                out[_name(tag)] = Built(df, target if isinstance(target, str) else None, f"{path.name} (target {name})")
    return out


_DOCKER_BUILD = re.compile(r"(?:docker|podman|buildah)\s+(?:image\s+build|build|buildx\s+build|bud)\s+([^\n;&|]*)")


def _from_makefile(path: Path) -> dict[str, Built]:
    out: dict[str, Built] = {}
    text = _read(path).replace("\\\n", " ")
    for m in _DOCKER_BUILD.finditer(text):
        try:
            words = shlex.split(m.group(1))
        except ValueError:
            continue
        tags: list[str] = []
        dockerfile: str | None = None
        target: str | None = None
        operands: list[str] = []
        i = 0
        while i < len(words):
            w = words[i]
            value = words[i + 1] if i + 1 < len(words) else ""
            if w in ("-t", "--tag", "-f", "--file", "--target"):
                if w in ("-t", "--tag"):
                    tags.append(value)
                elif w in ("-f", "--file"):
                    dockerfile = value
                else:
                    target = value
                i += 2
                continue
            if w.startswith(("--tag=", "--file=", "--target=")):
                key, _, v = w.partition("=")
                if key == "--tag":
                    tags.append(v)
                elif key == "--file":
                    dockerfile = v
                else:
                    target = v
            elif not w.startswith("-"):
                operands.append(w)
            i += 1
        if len(operands) != 1 or "$" in operands[0] or (dockerfile and "$" in dockerfile):
            continue
        context = path.parent / operands[0]
        df = path.parent / dockerfile if dockerfile else context / "Dockerfile"
        for tag in tags:
            if "$" not in tag and tag:
                out[_name(tag)] = Built(df, target, path.name)
    return out


@functools.lru_cache(maxsize=16)
def _built_in(root: str) -> tuple[dict[str, Built], dict[str, list[Path]]]:
    """Images the tree under `root` tags, and its folders that hold a Dockerfile, by folder name."""
    tagged: dict[str, Built] = {}
    folders: dict[str, list[Path]] = {}
    seen = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and not d.startswith("."))
        seen += len(files)
        if seen > _MAX_FILES:
            break
        here = Path(folder)
        for name in sorted(files):
            if _COMPOSE.fullmatch(name):
                found = _from_compose(here / name)
            elif _BAKE.fullmatch(name):
                found = _from_bake(here / name)
            elif name in _MAKE:
                found = _from_makefile(here / name)
            else:
                if name in ("Dockerfile", "Containerfile"):
                    folders.setdefault(here.name.lower(), []).append(here / name)
                continue
            for image, built in found.items():
                tagged.setdefault(image, built)
    return tagged, folders


@functools.lru_cache(maxsize=256)  # asked for every FROM in every pass; each answer costs path resolutions
def built_here(image: str, dockerfile: Path) -> Built | None:
    """The Dockerfile of `dockerfile`'s tree that builds `image`, if the tree says so; never `dockerfile` itself."""
    name = _name(image)
    if not name or "$" in name:
        return None
    tagged, folders = _built_in(str(tree_root(dockerfile)))
    me = dockerfile.resolve()
    built = tagged.get(name)
    if built is not None and built.dockerfile.is_file() and built.dockerfile.resolve() != me:
        return built
    last = name.rsplit("/", 1)[-1]
    candidates = [p for p in folders.get(last, []) if p.resolve() != me]
    if len(candidates) == 1:  # two folders of that name: which one is meant is a guess
        return Built(candidates[0], None, f"folder {candidates[0].parent.name}/")
    return None
