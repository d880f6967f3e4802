"""The e2e harness's pure parts, tested without building anything (so not marked e2e)."""

from __future__ import annotations

import http.server
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from .aptcache import AptCache
from .base import apt_http_hosts, apt_sources, debian_mirror
from .compare import Entry, Image, differences, ignored, snapshot, user_change_problem
from .harness import load_fixture, load_fixtures

REPO = Path(__file__).resolve().parents[2]


def _etc_apt(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


DEB822 = """\
Types: deb
# a comment between fields
URIs: http://mirror.invalid/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.invalid/debian-security
Suites: bookworm-security
Components: main
"""


def test_deb822_sources_give_the_archive_not_security(tmp_path: Path) -> None:
    etc = _etc_apt(tmp_path, {"sources.list.d/debian.sources": DEB822})
    assert debian_mirror(etc) == "http://mirror.invalid/debian"
    assert apt_http_hosts(etc) == {"mirror.invalid"}


def test_one_line_sources_with_options(tmp_path: Path) -> None:
    etc = _etc_apt(tmp_path, {"sources.list": (
        "# deb http://commented.invalid/debian bookworm main\n"
        "deb [arch=amd64 signed-by=/k.gpg] http://one.invalid/debian bookworm main contrib\n"
    )})
    assert apt_sources(etc) == [("http://one.invalid/debian", ["bookworm"], ["main", "contrib"])]
    assert debian_mirror(etc) == "http://one.invalid/debian"


def test_disabled_and_source_only_entries_are_skipped(tmp_path: Path) -> None:
    etc = _etc_apt(tmp_path, {
        "sources.list.d/other.list.disabled": "deb http://disabled.invalid/debian bookworm main\n",
        "sources.list.d/src.sources": "Types: deb-src\nURIs: http://src.invalid/debian\nSuites: bookworm\nComponents: main\n",
        "sources.list.d/off.sources": "Enabled: no\nTypes: deb\nURIs: http://off.invalid/debian\nSuites: bookworm\nComponents: main\n",
        "sources.list.d/z.sources": "Types: deb\nURIs: http://on.invalid/debian\nSuites: trixie\nComponents: main\n",
    })
    # no bookworm entry left, but a plain codename's archive serves bookworm too
    assert debian_mirror(etc) == "http://on.invalid/debian"


def test_no_debian_archive_means_none(tmp_path: Path) -> None:
    etc = _etc_apt(tmp_path, {"sources.list.d/x.list": "deb https://packages.invalid/apt cloud-sdk main\n"})
    assert debian_mirror(etc) is None


def test_caches_logs_and_scratch_are_ignored_but_their_neighbours_are_not() -> None:
    for path in ("/var/lib/apt/lists/deb.debian.org_InRelease", "/var/cache/apt/pkgcache.bin", "/tmp/x",
                 "/root/.cache/pip/http/1", "/var/log/dpkg.log", "/var/lib/dpkg/status-old",
                 "/var/cache/debconf/config.dat-old", "/etc/hosts"):
        assert ignored(path), path
    for path in ("/var/lib/apt/extended_states", "/var/lib/dpkg/status", "/tmp-data", "/root/.cachefile",
                 "/etc/passwd", "/home/app", "/var/cache/debconf/config.dat", "/var/lib/dpkg/info/jq.list"):
        assert not ignored(path), path


def test_snapshot_reads_type_mode_owner_and_content(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir(mode=0o750)
    (tmp_path / "d" / "f").write_text("x")
    (tmp_path / "d" / "f").chmod(0o640)
    (tmp_path / "l").symlink_to("d/f")
    (tmp_path / "tmp").mkdir()
    (tmp_path / "tmp" / "junk").write_text("y")
    files = snapshot(tmp_path)
    assert set(files) == {"/d", "/d/f", "/l"}
    assert files["/d"].kind == "dir" and files["/d"].mode == 0o750
    assert files["/d/f"] == Entry("file", 0o640, files["/d/f"].uid, files["/d/f"].gid,
                                  "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881")
    assert files["/l"].kind == "symlink" and files["/l"].content == "d/f"


PASSWD = "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
GROUP = "root:x:0:\nnogroup:x:65534:\n"
APP_PASSWD = PASSWD + "app:x:10001:10001::/home/app:/bin/sh\n"
APP_GROUP = GROUP + "app:x:10001:\n"


@pytest.mark.parametrize(("before", "after", "passwd", "group", "problem"), [
    ("", "", PASSWD, GROUP, None),
    ("", "10001:10001", PASSWD, GROUP, None),  # numeric needs no account
    ("root", "app", APP_PASSWD, APP_GROUP, None),
    ("0", "app:app", APP_PASSWD, APP_GROUP, None),
    ("", "app", PASSWD, GROUP, "missing from the image's /etc/passwd"),
    ("", "app:staff", APP_PASSWD, APP_GROUP, "group missing"),
    ("", "0:0", PASSWD, GROUP, "still root"),
    ("", "root", PASSWD, GROUP, "still root"),
    ("nobody", "app", APP_PASSWD, APP_GROUP, "from non-root"),
])
def test_user_change_rules(before: str, after: str, passwd: str, group: str, problem: str | None) -> None:
    found = user_change_problem(before, after, {"/etc/passwd": passwd, "/etc/group": group})
    assert (found is None) if problem is None else (found is not None and problem in found)


def _image(user: str, passwd: str, group: str, files: dict[str, Entry], **config: object) -> Image:
    return Image(config={"User": user, **config}, files=files, accounts={"/etc/passwd": passwd, "/etc/group": group})


FILE = Entry("file", 0o644, 0, 0, "aa")


def test_a_new_users_accounts_and_home_are_ignored_only_when_user_changed() -> None:
    base = {"/etc/passwd": FILE, "/bin/sh": FILE}
    with_user = {"/etc/passwd": Entry("file", 0o644, 0, 0, "bb"), "/bin/sh": FILE,
                 "/home/app": Entry("dir", 0o700, 10001, 10001, ""), "/home/app/.bashrc": FILE}
    original = _image("", PASSWD, GROUP, base)
    assert differences(original, _image("10001:10001", APP_PASSWD, APP_GROUP, with_user)) == []
    # the same account change with no USER change is a real difference
    assert set(differences(original, _image("", APP_PASSWD, APP_GROUP, with_user))) == {
        "changed:          /etc/passwd: content 'aa' -> 'bb'",
        "only in fixed:    /home/app (dir 0700 10001:10001 )",
        "only in fixed:    /home/app/.bashrc (file 0644 0:0 aa)",
    }


def test_an_added_user_must_keep_the_original_accounts() -> None:
    original = _image("", PASSWD, GROUP, {})
    fixed = _image("app", "root:x:0:0:root:/root:/bin/bash\napp:x:10001:10001::/home/app:/bin/sh\n", APP_GROUP, {})
    assert differences(original, fixed) == [
        "/etc/passwd: line lost: nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin"]


def test_config_keys_compare_and_exposed_ports_ignore_order() -> None:
    a = _image("", PASSWD, GROUP, {}, ExposedPorts={"80/tcp": {}, "443/tcp": {}}, Cmd=["a"], WorkingDir="/app")
    b = _image("", PASSWD, GROUP, {}, ExposedPorts={"443/tcp": {}, "80/tcp": {}}, Cmd=["a"], WorkingDir="/app")
    assert differences(a, b) == []
    c = _image("", PASSWD, GROUP, {}, ExposedPorts={"443/tcp": {}}, Cmd=["b"], WorkingDir="/app")
    assert differences(a, c) == ["config Cmd: ['a'] -> ['b']",
                                 "config ExposedPorts: ['443/tcp', '80/tcp'] -> ['443/tcp']"]


def test_fixture_headers(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "# e2e-expect: fail\n# e2e: proves one\n# e2e: and two\n# e2e-fix-args: --unsafe-fixes --x\n"
        "FROM debian:12\n# e2e: not a header any more\n")
    fixture = load_fixture(tmp_path)
    assert fixture.proves == "proves one and two"
    assert fixture.expect_failure and fixture.fix_args == ("--unsafe-fixes", "--x")
    (tmp_path / "Dockerfile").write_text("FROM debian:12\n")
    with pytest.raises(ValueError, match="must start with"):
        load_fixture(tmp_path)


def test_every_committed_e2e_fixture_has_a_header_and_no_generated_files() -> None:
    fixtures = load_fixtures(REPO / "fixtures" / "e2e")
    assert len(fixtures) >= 8
    for fixture in fixtures:
        assert not (fixture.path / "wheels").exists(), f"{fixture.name}: wheels are made at test time, never committed"


def test_a_copied_dockerfile_may_change_only_as_dockfix_changed_it() -> None:
    copied = {"/app/Dockerfile": Entry("file", 0o644, 0, 0, "old"), "/app/main.py": Entry("file", 0o644, 0, 0, "m")}
    original = _image("", PASSWD, GROUP, copied)
    fixed = _image("", PASSWD, GROUP, {"/app/Dockerfile": Entry("file", 0o644, 0, 0, "new"),
                                       "/app/main.py": Entry("file", 0o644, 0, 0, "m2")})
    assert differences(original, fixed, dockerfiles=("old", "new")) == [
        "changed:          /app/main.py: content 'm' -> 'm2'"]
    chmodded = _image("", PASSWD, GROUP, {"/app/Dockerfile": Entry("file", 0o600, 0, 0, "new"),
                                          "/app/main.py": Entry("file", 0o644, 0, 0, "m")})
    assert differences(original, chmodded, dockerfiles=("old", "new")) == [
        "changed:          /app/Dockerfile: mode 420 -> 384, content 'old' -> 'new'"]


class _Archive(http.server.BaseHTTPRequestHandler):
    """A stand-in for the Debian archive on 127.0.0.1 that counts what it was asked."""

    requests: list[str] = []

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        _Archive.requests.append(self.path)
        if self.path.endswith("missing.deb"):
            self.send_error(404)
            return
        body = f"body of {self.path} #{len(_Archive.requests)}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_apt_cache_keeps_only_immutable_files_and_forwards_only_to_apt_hosts(tmp_path: Path) -> None:
    archive = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Archive)
    threading.Thread(target=archive.serve_forever, daemon=True).start()
    _Archive.requests = []
    base = f"http://127.0.0.1:{archive.server_port}/debian"
    try:
        with AptCache(tmp_path, {"127.0.0.1"}) as cache:
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": cache.url}))

            def get(url: str) -> bytes:
                with opener.open(url, timeout=10) as response:
                    return bytes(response.read())

            deb = f"{base}/pool/main/j/jq/jq_1.6_amd64.deb"
            by_hash = f"{base}/dists/bookworm/main/binary-amd64/by-hash/SHA256/abc"
            release = f"{base}/dists/bookworm/InRelease"
            assert get(deb) == get(deb) == f"body of {urllib.parse.urlsplit(deb).path} #1".encode()
            assert get(by_hash) == get(by_hash)
            assert get(release) != get(release)  # fetched anew each time
            with pytest.raises(urllib.error.HTTPError) as missing:
                get(f"{base}/pool/main/x/missing.deb")
            assert missing.value.code == 404
            with pytest.raises(urllib.error.HTTPError) as elsewhere:
                get(f"http://localhost:{archive.server_port}/debian/pool/a.deb")
            assert elsewhere.value.code == 403
        assert [p.rsplit("/", 1)[-1] for p in _Archive.requests] == ["jq_1.6_amd64.deb", "abc", "InRelease",
                                                                     "InRelease", "missing.deb"]
    finally:
        archive.shutdown()
        archive.server_close()
