"""DF005 root-user: fixture pairs through the real pipeline, and the findings it reports without fixing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fixer.data.base_families import (
    ALPINE,
    DEBIAN,
    DISTROLESS,
    RHEL,
    RHEL_MINIMAL,
    SCRATCH,
    UNKNOWN,
    WINDOWS,
    family_of,
    split_reference,
    verdict_of,
)
from fixer.engine.finding import Finding
from tests.support.fixture_pairs import FIXTURES, check_keep, check_pair, keeps, pairs, read, run

RULE = "root-user"


@pytest.mark.parametrize("src,expected", pairs(RULE))
def test_fixes(src: Path, expected: Path) -> None:
    check_pair(src, expected, RULE, unsafe=True)


@pytest.mark.parametrize("src,expected", pairs(RULE))
def test_fix_is_unsafe(src: Path, expected: Path) -> None:
    # without unsafe fixes allowed, the pipeline leaves the file alone but still reports it
    result = run(read(src), RULE)
    assert result.output == read(src)
    main = [f for f in result.findings if f.fix is not None]
    assert len(main) == 1 and main[0].applicability == "unsafe"


@pytest.mark.parametrize("src", keeps(RULE))
def test_keeps(src: Path) -> None:
    check_keep(src, RULE, unsafe=True)


def findings(text: str, **kw: object) -> list[Finding]:
    return run(text, RULE, unsafe=True, **kw).findings  # type: ignore[arg-type]


def messages(text: str) -> list[str]:
    return [f.message for f in findings(text)]


@pytest.mark.parametrize(
    "name,reason",
    [
        ("drops-postgres", "re-executes itself as an unprivileged user"),
        ("drops-nginx", "nginx's master process"),
        ("drops-redis", "user redis"),
        ("drops-gosu", "installs gosu"),
        ("drops-cmd-nginx", "nginx's master process"),
        ("windows-servercore", "ContainerAdministrator"),
        ("windows-by-content", "ContainerAdministrator"),
        ("variable-user", "`USER ${RUN_AS}`, set at build time"),
        ("variable-created-user", "named at build time"),
    ],
)
def test_left_alone_says_why(name: str, reason: str) -> None:
    found = findings(read(FIXTURES / RULE / f"{name}.keep.Dockerfile"))
    assert len(found) == 1
    assert found[0].fix is None and reason in found[0].message
    assert found[0].hadolint == ("DL3002",)


@pytest.mark.parametrize(
    "name", ["already-non-root", "bitnami", "distroless-nonroot", "nginx-unprivileged", "windows-nanoserver"]
)
def test_non_root_images_report_nothing(name: str) -> None:
    assert findings(read(FIXTURES / RULE / f"{name}.keep.Dockerfile")) == []


def test_root_image_on_a_privileged_port_is_reported_not_fixed() -> None:
    # a non-root USER would stop the app binding 80/443 on Kubernetes and rootless runtimes: the
    # maintainer must move the port first, so DF005 says so and changes nothing
    text = "FROM alpine:3.20\nRUN apk add --no-cache caddy\nEXPOSE 80/tcp 443 8080\nCMD [\"caddy\"]\n"
    found = findings(text)
    assert [f.fix for f in found] == [None]
    assert "listens on port 80, 443:" in found[0].message and found[0].line == 1
    unprivileged = findings(text.replace("80/tcp 443 ", ""))
    assert [f.fix is not None for f in unprivileged] == [True]
    assert not any(f.message.startswith("EXPOSE") for f in unprivileged)


def test_aspnet_before_8_listens_on_80_by_its_own_configuration() -> None:
    text = 'FROM mcr.microsoft.com/dotnet/aspnet:5.0\nCOPY app/ /app/\nENTRYPOINT ["dotnet", "/app/app.dll"]\n'
    assert [f.fix for f in findings(text)] == [None]
    assert "listens on port 80:" in findings(text)[0].message
    assert [f.fix is not None for f in findings(text.replace(":5.0", ":8.0"))] == [True]


def test_low_port_warning_also_for_images_already_non_root() -> None:
    text = "FROM python:3.12-slim\nRUN useradd -m app\nUSER app\nEXPOSE 443\n"
    assert [m[:10] for m in messages(text)] == ["EXPOSE 443"]


_APP = (
    "FROM python:3.12-slim\nWORKDIR /srv/app\nCOPY requirements.txt .\n"
    "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\nCOPY --chown=app:app data/ data/\n"
    "COPY tools/ /usr/local/bin/\n{extra}CMD {cmd}\n"
)


def advisories(text: str) -> dict[int, str]:
    return {f.line: f.message for f in findings(text) if f.fix is None}


def test_no_workdir_or_copy_advisory_when_nothing_shows_the_app_writes() -> None:
    # code and binaries must not be writable by the runtime user: root-owned is right for them
    assert advisories(_APP.format(extra="", cmd='["python", "main.py"]')) == {}


@pytest.mark.parametrize(
    "extra,cmd,why",
    [
        ("VOLUME /srv/app\n", '["python", "main.py"]', "VOLUME /srv/app"),
        ("RUN chmod 775 /srv/app\n", '["python", "main.py"]', "a RUN runs `chmod 775`"),
        ("RUN chgrp -R 0 /srv/app && chmod -R g=u /srv/app\n", '["python", "main.py"]', "a RUN runs `chmod g=u`"),
        ("RUN chown -R www-data /srv/app\n", '["python", "main.py"]', "a RUN runs `chown www-data`"),
        ("", '["python", "main.py", "--log-file=app.log"]', "its CMD writes /srv/app/app.log"),
        ("", "python main.py > /srv/app/out.txt", "its CMD writes /srv/app/out.txt"),
    ],
)
def test_workdir_and_copy_advisories_where_the_file_shows_the_app_writes(extra: str, cmd: str, why: str) -> None:
    warned = advisories(_APP.format(extra=extra, cmd=cmd))
    # WORKDIR, `COPY requirements.txt .`, `COPY . .`: not the --chown copy, not the copy to /usr/local/bin
    assert sorted(warned) == [2, 3, 5]
    assert warned[2].startswith("WORKDIR /srv/app is created as root, but the app writes there") and why in warned[2]
    assert warned[5].startswith("COPY into /srv/app without --chown") and why in warned[5]


def test_no_advisory_for_a_path_made_writable_or_chowned_to_the_new_user() -> None:
    for extra in ("RUN chmod 777 /srv/app\n", "RUN chmod o+w /srv/app\n", "RUN chmod -R 755 /srv/app\n", "RUN chmod +x /srv/app\n"):
        assert advisories(_APP.format(extra=extra, cmd='["python", "main.py"]')) == {}
    text = "FROM alpine:3.20\nRUN adduser -D app\nWORKDIR /data\nRUN chown -R app /data\nCOPY . .\nCMD [\"x\"]\n"
    assert advisories(text) == {}


def test_stdout_is_not_a_written_path() -> None:
    cmd = '["gunicorn", "app:app", "--log-file", "-", "--access-logfile", "-"]'
    assert advisories(_APP.format(extra="", cmd=cmd)) == {}


def test_target_picks_the_stage() -> None:
    text = "FROM alpine:3.20 AS runtime\nRUN apk add --no-cache curl\n\nFROM runtime AS debug\nRUN apk add --no-cache strace\n"
    out = run(text, RULE, unsafe=True, target="runtime").output
    assert out == (
        "FROM alpine:3.20 AS runtime\nRUN apk add --no-cache curl\n"
        "RUN addgroup -S -g 10001 app && adduser -S -D -u 10001 -G app app\nUSER 10001:10001\n\n"
        "FROM runtime AS debug\nRUN apk add --no-cache strace\n"
    )
    assert run(out, RULE, unsafe=True, target="runtime").output == out
    assert run(text, RULE, unsafe=True, target="missing").output == text


def test_options_choose_uid_gid_and_name() -> None:
    text = "FROM debian:bookworm-slim\nRUN true\n"
    out = run(text, RULE, unsafe=True, options={"DF005": {"uid": 2345, "gid": 2346, "name": "svc"}}).output
    assert out.splitlines()[2:] == [
        "RUN groupadd --system --gid 2346 svc && useradd --system --uid 2345 --gid svc --no-log-init --create-home svc",
        "USER 2345:2346",
    ]


def test_fix_is_reported_at_the_root_user_instruction() -> None:
    found = findings("FROM alpine:3.20\nUSER root\nRUN apk add --no-cache curl\n")
    main = [f for f in found if f.fix is not None]
    assert [(f.line, f.fixed) for f in main] == [(2, True)]


@pytest.mark.parametrize(
    "ref,family",
    [
        ("python:3.12-slim", DEBIAN),
        ("docker.io/library/python:3.12", DEBIAN),
        ("node:20-alpine3.19", ALPINE),
        ("golang:1.22-alpine@sha256:" + "a" * 64, ALPINE),
        ("eclipse-temurin:21-jre-jammy", DEBIAN),
        ("ubuntu", DEBIAN),
        ("debian:${RELEASE}", DEBIAN),  # every debian tag is Debian
        ("python:${TAG}", UNKNOWN),  # the tag could name an alpine variant
        ("registry.access.redhat.com/ubi9/ubi-minimal:9.4", RHEL_MINIMAL),
        ("ubi9/s2i-base:1", RHEL),
        ("quay.io/centos/centos:stream9-minimal", RHEL_MINIMAL),
        ("quay.io/centos/centos:stream9", RHEL),
        ("oraclelinux:9-slim", RHEL_MINIMAL),
        ("oraclelinux:9", RHEL),
        ("amazonlinux:2023", RHEL_MINIMAL),
        ("gcr.io/distroless/static-debian12", DISTROLESS),
        ("scratch", SCRATCH),
        ("mcr.microsoft.com/windows/servercore:ltsc2022", WINDOWS),
        ("golang:1.9-nanoserver", WINDOWS),
        ("openjdk:8-windowsservercore", WINDOWS),
        ("localhost:5000/app", UNKNOWN),
        ("example.com/team/tool:1-bookworm", DEBIAN),
    ],
)
def test_family_table(ref: str, family: object) -> None:
    assert family_of(split_reference(ref)) is family


def test_reference_split_keeps_ports_and_drops_digests() -> None:
    img = split_reference("registry:5000/ns/img@sha256:" + "b" * 64)
    assert (img.repository, img.tag) == ("registry:5000/ns/img", "latest")
    assert split_reference("index.docker.io/library/nginx:1.27").repository == "nginx"


def test_verdicts() -> None:
    assert verdict_of(split_reference("bitnami/redis:7")).kind == "non-root"  # type: ignore[union-attr]
    assert verdict_of(split_reference("gcr.io/distroless/base:nonroot")).user == "65532:65532"  # type: ignore[union-attr]
    assert verdict_of(split_reference("gcr.io/distroless/base:latest")) is None
    assert verdict_of(split_reference("nginx:alpine")).kind == "drops-privileges"  # type: ignore[union-attr]
    assert verdict_of(split_reference("elasticsearch:5")).kind == "drops-privileges"  # type: ignore[union-attr]
    assert verdict_of(split_reference("elasticsearch:8.14.1")).kind == "non-root"  # type: ignore[union-attr]
    assert verdict_of(split_reference("bitnami/nginx")).kind == "non-root"  # type: ignore[union-attr]
    assert verdict_of(split_reference("someone/nginx")) is None  # only Docker Hub's official image


@pytest.mark.parametrize(
    "text,expected",
    [
        ("FROM debian\nRUN apt-get update\nRUN groupadd -g 5 a && useradd -u 5 -g a a\nUSER 5:5\n", [False, False, True, False]),
        ("FROM alpine\nRUN addgroup -S a && adduser -S -D -G a a\nUSER a\n", [False, True, False]),
        # a RUN that also installs, or is not followed by USER, is the user's own step
        ("FROM debian\nRUN useradd a && apt-get update\nUSER a\n", [False, False, False]),
        ("FROM debian\nRUN useradd a\nCOPY . .\nUSER a\n", [False, False, False, False]),
    ],
)
def test_the_user_setup_step_is_recognised(text: str, expected: list[bool]) -> None:
    from fixer.nonroot.user_setup import is_user_setup
    from fixer.syntax import parse

    df = parse(text)
    assert [is_user_setup(df, i) for i in df.instructions] == expected


def test_what_the_fix_inserts_is_a_user_setup_step() -> None:
    from fixer.nonroot.user_setup import is_user_setup
    from fixer.syntax import parse

    out = run(read(FIXTURES / RULE / "own-run-before-user.in.Dockerfile"), RULE, unsafe=True).output
    df = parse(out)
    assert [i.start_line for i in df.instructions if is_user_setup(df, i)] == [7]


def test_development_last_stage_is_left_alone_and_target_still_fixes_it() -> None:
    text = read(FIXTURES / RULE / "development-last-stage.keep.Dockerfile")
    assert findings(text) == []  # root on purpose: nothing the maintainer would act on
    out = run(text, RULE, unsafe=True, target="dev-envs").output
    assert "EOF\nUSER vscode\nCOPY --from=gloursdocker/docker / /\n" in out


@pytest.mark.parametrize(
    "where,left_alone",
    [
        ("tests/Dockerfile", True),
        ("result/test/Dockerfile", True),
        ("Dockerfile.dev", True),
        ("app/debug.Dockerfile", True),
        ("Dockerfile.test", True),
        ("app/Dockerfile", False),
        ("Dockerfile.prod", False),
        ("latest/Dockerfile", False),
    ],
)
def test_test_and_development_dockerfiles_are_left_alone(tmp_path: Path, where: str, left_alone: bool) -> None:
    path = tmp_path / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("FROM node:20-slim\nRUN yarn global add phantomjs-prebuilt\nCOPY . /app\nCMD [\"/app/tests.sh\"]\n")
    r = subprocess.run(
        [sys.executable, "-m", "fixer", "--offline", "--select", "DF005", "--format", "json", str(path)],
        capture_output=True, text=True, timeout=60,
    )
    assert (json.loads(r.stdout) == []) is left_alone, r.stdout + r.stderr


def test_other_rules_leave_the_inserted_user_step_alone() -> None:
    # issue 14 §3: DF002 does not merge the user RUN into the install above, DF004 moves no COPY past it
    src = read(FIXTURES / RULE / "own-run-before-user.in.Dockerfile")
    first = run(src, "DF002,DF004,DF005", unsafe=True)
    assert first.output == read(FIXTURES / RULE / "own-run-before-user.out.Dockerfile")
    assert [f.code for f in first.findings if f.fixed] == ["DF005"]
    assert run(first.output, "DF002,DF004,DF005", unsafe=True).output == first.output
