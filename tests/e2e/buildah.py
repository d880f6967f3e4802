"""A small driver for Debian's buildah that keeps the suite's images in a storage of its own.

The suite passes --root/--runroot so it never reads or changes a user's own images. The
storage driver is overlay where the kernel mounts it (a build then takes about half a second
of its own) and vfs elsewhere: vfs needs nothing from the kernel but copies the whole file
system for every container and layer, ten to twenty seconds per build of a 130 MB base.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# The flags issue 11 fixes: no daemon, no pulls (the base is committed locally), no layer
# cache (a cached layer from the original build would hide a broken fixed one).
# --format docker: in the default OCI format buildah drops SHELL, HEALTHCHECK and ONBUILD with
# only a warning, so a `SHELL ["/bin/bash", "-e", "-c"]` fixture would build under /bin/sh.
# --force-rm: a failed build's working containers are full vfs copies of the image; drop them.
BUILD_FLAGS = ("--isolation", "chroot", "--network", "host", "--pull=never", "--layers=false", "--format", "docker",
               "--force-rm")


@dataclasses.dataclass(frozen=True)
class BuildResult:
    ok: bool
    seconds: float
    log: str
    image: str


@dataclasses.dataclass(frozen=True)
class RunResult:
    returncode: int
    stdout: str
    stderr: str


def overlay_works(scratch: Path) -> bool:
    """Whether this kernel lets us mount overlayfs on scratch's file system (needs root)."""
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch, prefix="overlay-probe-") as tmp:
        lower, upper, work, merged = (Path(tmp) / d for d in ("lower", "upper", "work", "merged"))
        for d in (lower, upper, work, merged):
            d.mkdir()
        (lower / "probe").write_text("x")
        options = f"lowerdir={lower},upperdir={upper},workdir={work}"
        mount = subprocess.run(["mount", "-t", "overlay", "overlay", "-o", options, str(merged)],
                               capture_output=True, stdin=subprocess.DEVNULL)
        if mount.returncode != 0:
            return False
        try:
            return (merged / "probe").read_text() == "x"
        finally:
            subprocess.run(["umount", str(merged)], capture_output=True)


def choose_driver(scratch: Path) -> str:
    wanted = os.environ.get("DOCKFIX_E2E_STORAGE_DRIVER")
    if wanted:
        return wanted
    return "overlay" if os.geteuid() == 0 and overlay_works(scratch) else "vfs"


class Buildah:
    def __init__(self, root: Path, runroot: Path, driver: str = "vfs") -> None:
        # containers/storage records its driver in the store: one store per driver
        self.driver = driver
        # the environment of buildah itself; its http_proxy reaches every RUN of a build
        self.env: dict[str, str] | None = None
        self.root = root / driver
        self.runroot = runroot / driver

    def command(self, *args: str) -> list[str]:
        return [
            "buildah",
            "--root", str(self.root),
            "--runroot", str(self.runroot),
            "--storage-driver", self.driver,
            *args,
        ]

    def run(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            self.command(*args), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
            env=self.env,
        )
        if check and proc.returncode != 0:
            raise RuntimeError(f"buildah {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}{proc.stdout}")
        return proc

    def image_exists(self, name: str) -> bool:
        return self.run("inspect", "--type", "image", name, check=False).returncode == 0

    def image(self, name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.run("inspect", "--type", "image", name).stdout)
        return data

    def image_config(self, name: str) -> dict[str, Any]:
        """The image's run-time config, the part `docker run` obeys.

        The Docker form when the image has one: only it holds Shell, Healthcheck and OnBuild.
        """
        image = self.image(name)
        config: dict[str, Any] = (image.get("Docker") or {}).get("config") or image["OCIv1"].get("config") or {}
        return config

    def build(self, dockerfile: Path, context: Path, tag: str, timeout: float = 900) -> BuildResult:
        start = time.monotonic()
        proc = subprocess.run(
            self.command("bud", *BUILD_FLAGS, "-t", tag, "-f", str(dockerfile), str(context)),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            env=self.env,
        )
        return BuildResult(ok=proc.returncode == 0, seconds=time.monotonic() - start, log=proc.stdout, image=tag)

    def remove_image(self, name: str) -> None:
        self.run("rmi", "--force", name, check=False)

    @contextlib.contextmanager
    def mounted(self, image: str) -> Iterator[tuple[str, Path]]:
        """A working container of `image` and the path of its root file system."""
        container = self.run("from", "--pull=never", "--quiet", image).stdout.strip()
        try:
            mountpoint = Path(self.run("mount", container).stdout.strip())
            yield container, mountpoint
        finally:
            self.run("rm", container, check=False)

    def run_in(self, container: str, argv: list[str], timeout: float = 120) -> RunResult:
        """Run argv in the container with the image's own USER, WORKDIR and ENV, as `docker run` would."""
        proc = self.run("run", "--isolation", "chroot", "--network", "host", container, "--", *argv,
                        check=False, timeout=timeout)
        return RunResult(proc.returncode, proc.stdout, proc.stderr)
