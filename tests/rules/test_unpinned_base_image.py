"""DF001 unpinned-base-image: fixture pairs through the real pipeline against a real registry, and the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from fixer.engine.rules import FileContext, select_rules
from fixer.images.resolve import Resolver, ResolverOptions
from fixer.rules.unpinned_base_image import lookups
from fixer.syntax import parse
from tests.support.projects import dockerfiles
from tests.support.fixture_pairs import check_keep, check_pair, keeps, pairs, read, run
from tests.support.registry_fixtures import (
    Canned,
    FaultProxy,
    LocalRegistry,
    _isolated_images_env,  # noqa: F401 - autouse: never the user's cache or docker config
    fault_proxy,  # noqa: F401
    free_port,
    local_registry,  # noqa: F401
    needs_registry,
)

RULE = "unpinned-base-image"


def resolver_for(host: str, tmp_path: Path, **kw: Any) -> Resolver:
    """Docker Hub and the fixtures' private registry both answered by the local registry at `host`."""
    kw.setdefault("cache_dir", tmp_path / "cache")
    kw.setdefault("timeout", 10.0)
    mirrors = {"docker.io": f"http://{host}", "registry.example.com:5000": f"http://{host}"}
    return Resolver(ResolverOptions(mirrors=mirrors, **kw))


def findings(text: str, resolver: Any) -> list[Any]:
    rules = select_rules(["DF001"])
    ctx = FileContext(resolver=resolver).for_rule(rules[0])
    return list(rules[0].check(parse(text), ctx))


# -- fixture pairs -----------------------------------------------------------------------------------


@needs_registry
@pytest.mark.parametrize(("src", "expected"), pairs(RULE))
def test_fixture_pair(src: Path, expected: Path, local_registry: LocalRegistry, tmp_path: Path) -> None:
    with resolver_for(local_registry.host, tmp_path) as r:
        check_pair(src, expected, "DF001", resolver=r)


@needs_registry
@pytest.mark.parametrize("src", keeps(RULE))
def test_fixture_keep(src: Path, local_registry: LocalRegistry, tmp_path: Path) -> None:
    with resolver_for(local_registry.host, tmp_path) as r:
        check_keep(src, "DF001", resolver=r)


@needs_registry
def test_keeps_report_only_what_floats(local_registry: LocalRegistry, tmp_path: Path) -> None:
    folder = Path(pairs(RULE)[0].values[0]).parent
    with resolver_for(local_registry.host, tmp_path) as r:
        for name in ("scratch", "digest-present", "other-tags", "variables", "stage-names", "arg-in-stage-scope"):
            assert findings(read(folder / f"{name}.keep.Dockerfile"), r) == [], name
        unresolved = findings(read(folder / "unresolvable.keep.Dockerfile"), r)
    assert [(f.line, f.fix) for f in unresolved] == [(2, None), (4, None)]
    assert unresolved[0].message.startswith("image `edge` has no tag, so it means `latest`; could not resolve: no version tag shares")
    assert unresolved[1].message == (
        f"image `nope` has no tag, so it means `latest`; could not resolve: library/nope:latest not found on {local_registry.host}"
    )


# -- findings ----------------------------------------------------------------------------------------


@needs_registry
def test_finding_location_message_and_safety(local_registry: LocalRegistry, tmp_path: Path) -> None:
    text = "ARG BASE=python:latest\nFROM alpine:3.20\nCOPY --from=busybox /a /b\nFROM ${BASE}\n"
    with resolver_for(local_registry.host, tmp_path) as r:
        got = findings(text, r)
    assert [(f.code, f.line, f.column, f.instruction, f.applicability) for f in got] == [
        ("DF001", 3, 6, 2, "safe"),
        ("DF001", 4, 6, 3, "safe"),
    ]
    assert got[0].message == "image `busybox` has no tag, so it means `latest`; pin it to `busybox:1.37.0`, the same image today"
    assert got[1].message == "image `python:latest` (default of ARG BASE) uses `latest`; pin it to `python:3.13.1`, the same image today"
    assert got[0].hadolint == ("DL3006", "DL3007")


@needs_registry
def test_digest_pin(local_registry: LocalRegistry, tmp_path: Path) -> None:
    digest = local_registry.seeded.digest("library/python", "latest")
    text = "FROM python AS build\nFROM registry.example.com:5000/team/app:latest\n"
    with resolver_for(local_registry.host, tmp_path, pin="digest") as r:
        out = run(text, "DF001", resolver=r).output
        assert run(out, "DF001", resolver=r).output == out
    app = local_registry.seeded.digest("team/app", "latest")
    assert out == f"FROM python:3.13.1@{digest} AS build\nFROM registry.example.com:5000/team/app:1.2.3@{app}\n"


def test_without_resolver_reports_and_leaves_the_file(tmp_path: Path) -> None:
    text = "FROM python\nFROM scratch\n"
    got = findings(text, None)
    assert [(f.line, f.fix) for f in got] == [(1, None)]
    assert got[0].message.endswith("could not resolve: registry lookups are off")
    assert run(text, "DF001").output == text


def test_unreachable_registry_leaves_reference(tmp_path: Path) -> None:
    host = f"127.0.0.1:{free_port()}"
    text = f"FROM {host}/team/app\nFROM {host}/team/app:1.0\n"
    with Resolver(ResolverOptions(cache_dir=tmp_path / "c", retries=0)) as r:
        result = run(text, "DF001", resolver=r)
    assert result.output == text
    [f] = result.remaining
    assert f.message.startswith(f"image `{host}/team/app` has no tag, so it means `latest`; could not resolve: cannot reach {host}: ")


@needs_registry
@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (lambda m, p, n: Canned(500), "registry error from {host} (HTTP 500)"),
        (lambda m, p, n: Canned(401, {"WWW-Authenticate": 'Basic realm="x"'}), "{host} requires credentials; none found in the docker config"),
        (lambda m, p, n: Canned(200, {"Content-Type": "application/json"}, b"[]") if "/manifests/" in p else None,
         "malformed manifest for library/python:latest from {host}: not a schema 2 manifest"),
        (lambda m, p, n: Canned(404) if "/manifests/3" in p else None,
         "no version tag shares the digest of `latest` (sha256:"),
    ],
    ids=["500", "401", "malformed-manifest", "no-matching-version"],
)
def test_faults_become_findings(fault_proxy: FaultProxy, tmp_path: Path, fault: Any, reason: str) -> None:
    fault_proxy.fault = fault
    text = "FROM python\n"
    with Resolver(ResolverOptions(cache_dir=tmp_path / "c", retries=1, mirrors={"docker.io": f"http://{fault_proxy.host}"})) as r:
        result = run(text, "DF001", resolver=r)
    assert result.output == text
    [f] = result.remaining
    assert f.fix is None
    assert "could not resolve: " + reason.format(host=fault_proxy.host) in f.message


@needs_registry
def test_lookups_of_one_file_run_together(fault_proxy: FaultProxy, tmp_path: Path) -> None:
    # every reference of a file is asked at once; the same image in several spellings is asked once
    text = "FROM python\nFROM docker.io/library/python:latest\nFROM node\nFROM golang\nCOPY --from=busybox /a /b\n"
    delay = 1.0
    arrived: list[float] = []

    def slow_latest(method: str, path: str, n: int) -> float | None:
        if "/manifests/latest" in path:
            arrived.append(time.monotonic())
            return delay
        return None

    fault_proxy.fault = slow_latest
    with Resolver(ResolverOptions(cache_dir=tmp_path / "c", mirrors={"docker.io": f"http://{fault_proxy.host}"})) as r:
        out = run(text, "DF001", resolver=r).output
    assert out.count(":3.13.1") == 2 and ":23.5.0" in out and ":1.23.4" in out and ":1.37.0" in out
    assert len(arrived) == 4
    # all four slow HEADs were in flight together: the last arrived before the first was answered
    assert max(arrived) - min(arrived) < delay


@needs_registry
def test_prefetch_overlaps_lookups_of_many_files(fault_proxy: FaultProxy, tmp_path: Path) -> None:
    files = ["FROM python\n", "FROM node\nRUN true\n", "FROM golang\n", "broken\n", "FROM busybox:latest\n"]
    delay = 1.0
    arrived: list[float] = []

    def slow_latest(method: str, path: str, n: int) -> float | None:
        if "/manifests/latest" in path:
            arrived.append(time.monotonic())
            return delay
        return None

    fault_proxy.fault = slow_latest
    with Resolver(ResolverOptions(cache_dir=tmp_path / "c", mirrors={"docker.io": f"http://{fault_proxy.host}"})) as r:
        refs = [ref for text in files for ref in lookups(text)]  # "broken" needs nothing: it does not parse
        assert len(refs) == 4
        r.prefetch(refs)
        outs = [run(text, "DF001", resolver=r).output for text in files if text != "broken\n"]
    assert outs == ["FROM python:3.13.1\n", "FROM node:23.5.0\nRUN true\n", "FROM golang:1.23.4\n", "FROM busybox:1.37.0\n"]
    assert len(arrived) == 4 and max(arrived) - min(arrived) < delay
    assert fault_proxy.count("HEAD") == 8  # fixing the files asked nothing more


# -- end to end: the dockfix command -----------------------------------------------------------------


def dockfix(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("dockfix", path=str(Path(sys.executable).parent)) or "dockfix"
    return subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, env=os.environ.copy(), timeout=120)


@needs_registry
def test_cli_write_pins_then_nothing_then_offline(fault_proxy: FaultProxy, local_registry: LocalRegistry, tmp_path: Path) -> None:
    host = fault_proxy.host
    original = (
        f"FROM {host}/library/python AS build\n"
        f"COPY --from={host}/library/busybox:latest /bin/busybox /bin/\n"
        "FROM scratch\n"
        f"COPY --from=build /app /app\n"
    )
    project = tmp_path / "project"
    project.mkdir()
    df = project / "Dockerfile"
    df.write_text(original)
    first = dockfix("--write", "--select", "DF001", ".", cwd=project)
    assert first.returncode == 0, first.stderr
    pinned = df.read_text()
    assert pinned == original.replace("library/python AS", "library/python:3.13.1 AS").replace(
        "busybox:latest", "busybox:1.37.0"
    )
    sent = len(fault_proxy.requests)
    assert sent == 6

    second = dockfix("--write", "--select", "DF001", ".", cwd=project)
    assert second.returncode == 0 and df.read_text() == pinned
    assert len(fault_proxy.requests) == sent  # nothing floats any more: no lookups

    # --offline after a run: the cache answers, the registry is not asked
    df.write_text(original)
    fault_proxy.fault = lambda m, p, n: Canned(500)
    offline = dockfix("--write", "--offline", "--select", "DF001", ".", cwd=project)
    assert offline.returncode == 0, offline.stderr
    assert df.read_text() == pinned
    assert len(fault_proxy.requests) == sent

    digest = local_registry.seeded.digest("library/python", "latest")
    df.write_text(original)
    by_digest = dockfix("--write", "--pin", "digest", "--offline", "--select", "DF001", ".", cwd=project)
    assert by_digest.returncode == 0, by_digest.stderr
    assert f"library/python:3.13.1@{digest} AS build" in df.read_text()


@needs_registry
def test_cli_looks_up_each_reference_once_for_many_files_and_workers(fault_proxy: FaultProxy, tmp_path: Path) -> None:
    # with many files, worker processes read what each needs looked up; the lookups are the parent's
    host = fault_proxy.host
    texts = [f"FROM {host}/library/python\n" if i % 2 else f"FROM {host}/library/busybox:latest\n" for i in range(20)]
    files = dockerfiles(tmp_path, texts)
    result = dockfix("--write", "--jobs", "2", "--select", "DF001", *files, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    pinned = [Path(f).read_text() for f in files]
    assert pinned == [t.replace("python\n", "python:3.13.1\n").replace("busybox:latest", "busybox:1.37.0") for t in texts]
    assert len(fault_proxy.requests) == 6  # as for one file naming both: each lookup made once


def test_cli_check_reports_unresolved(tmp_path: Path) -> None:
    host = f"127.0.0.1:{free_port()}"
    project = tmp_path / "p"
    project.mkdir()
    (project / "Dockerfile").write_text(f"FROM {host}/team/app\n")
    res = dockfix("--check", "--select", "DF001", "--registry-timeout", "2", ".", cwd=project)
    assert (project / "Dockerfile").read_text() == f"FROM {host}/team/app\n"
    assert f"could not resolve: cannot reach {host}" in res.stdout
    assert "1 remaining" in res.stdout

