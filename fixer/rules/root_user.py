"""DF005 root-user: run the final image as a non-root user, created the way its base distribution expects.

The decision is made in `fixer.nonroot`; this module turns it into findings.
"""

from __future__ import annotations

from collections.abc import Iterator

from fixer.engine.finding import Finding
from fixer.engine.rules import Fixes, Option, RuleContext, Service, rule
from fixer.nonroot.advisories import advisories
from fixer.nonroot.assess import assess
from fixer.nonroot.plan import fix_for, insertion_point
from fixer.syntax import Dockerfile


@rule(
    "DF005",
    "root-user",
    fixes=Fixes.SOMETIMES,
    phrase="run as a non-root user",
    hadolint=("DL3002",),
    unsafe_by_default=True,
    services=(Service.TARGET, Service.RESOLVER),
    options=(
        Option("uid", int, 10001, "uid of a user the fix creates"),
        Option("gid", int, None, "gid of a user the fix creates (default: the uid)"),
        Option("name", str, "app", "name of a user the fix creates"),
        Option("platform", str, "linux/amd64", "platform whose image config tells who a base image runs as"),
    ),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Makes the final image (the last stage, or the `--target` stage) run as a non-root user. First it
    learns who the base image runs as, and changes nothing until it knows: the stages the final stage is
    built FROM; a Dockerfile of the same repository that builds the image (tagged by a compose file, a
    bake file or a Makefile, or in a folder named like the image); the image's own config from its
    registry (`config.User` for `linux/amd64`, or the `platform` option, through DF001's resolver, cache
    and credentials; `--offline` reads the cache only); then dockfix's table of well-known images.

    Where the base runs as root, it inserts a `USER` after the stage's last `RUN` or `USER` (so package
    installs still run as root; in a stage without either, before `CMD`/`ENTRYPOINT`/`HEALTHCHECK`),
    choosing, in this order: a user the Dockerfile creates (by uid when `-u` gives one); a numeric uid an
    earlier `USER` used; the user the base image ships for apps (`node` in node images, `app` in .NET 8+,
    `65532:65532` in distroless); else a user created the way the base's distribution expects, in a `RUN`
    of its own right before the `USER`. A trailing `USER root` that only needs a new value gets it in place:

    | family | inserted |
    |---|---|
    | Debian, Ubuntu, and images built on them (python, golang, ruby, php, openjdk …) | `RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --no-log-init --create-home app`, `USER 10001:10001` |
    | Alpine, BusyBox | `RUN addgroup -S -g 10001 app && adduser -S -D -u 10001 -G app app`, `USER 10001:10001` |
    | RHEL, UBI, Fedora, CentOS, Rocky, Alma, Oracle Linux | `RUN groupadd -r -g 10001 app && useradd -r -u 10001 -g app --no-log-init -m app`, `USER 10001:10001` |
    | ubi-minimal, *-minimal, Amazon Linux (no shadow-utils), root images of no known distribution | `USER 10001:10001` |
    | scratch | a numeric `USER` only where the file shows the uid: a numeric `COPY --chown`, or an `/etc/passwd` copied from a stage that creates a user with `-u` |

    The uid, gid and name of a created user are options (`uid`, `gid`, `name`).

    It reports without fixing, and says why: a base it cannot see (a `FROM` set by a variable, an image
    neither the tree, the registry nor the table knows, an unreachable or private registry), unless a
    `RUN` of the file creates a user without sudo, which only root can; a scratch image whose uid the file
    does not show; images that start as root by design and step down themselves (postgres, mysql,
    mariadb, mongo, redis, rabbitmq, nginx, httpd, php apache/fpm, Dockerfiles that install gosu or
    su-exec, a CMD that starts nginx, apache, php-fpm, sshd, cron or dockerd); a `USER` set from a
    variable; an image that exposes a port below 1024 (a non-root user cannot bind it on Kubernetes or
    rootless runtimes: the port has to move first); Windows images (Windows accounts are names, not uids: use `USER ContainerUser`). Images
    already running as non-root (bitnami, jupyter, selenium, `*-unprivileged`, distroless `:nonroot`, or
    whatever their config says) need nothing.

    Development and test images are left alone, since they run as root on purpose: a last stage named
    `dev`, `dev-envs`, `debug`, `test` …, or a Dockerfile kept in a `tests/` folder or named
    `Dockerfile.dev`, `test.Dockerfile` … (`--target` checks the stage that ships).

    It also warns, without fixing, about `EXPOSE` of ports below 1024 in images already non-root, and about a `WORKDIR` created as
    root and files copied without `--chown` into a folder the file shows the app writes (a `VOLUME`, a
    `chown`/`chmod` of it, a path the `CMD`/`ENTRYPOINT` writes); code and binaries elsewhere should stay
    root's.

    ## Why is this bad?
    A process that runs as root in a container is root on the host's kernel: a container escape or a
    writable host mount gives full control. Kubernetes' `runAsNonRoot` refuses such images, and it can
    only check numeric users, hence `USER uid:gid` with numbers (10001, clear of the 1000 that node's and
    Ubuntu's own users take). Naming a user the image lacks (`USER nobody` on scratch, `USER nonroot` on
    Debian) stops the container from starting, so the user is created the way each family expects.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    RUN pip install --no-cache-dir flask
    COPY app.py /srv/
    CMD ["python", "/srv/app.py"]
    ```
    Use instead:
    ```dockerfile
    FROM python:3.12-slim
    RUN pip install --no-cache-dir flask
    RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --no-log-init --create-home app
    USER 10001:10001
    COPY app.py /srv/
    CMD ["python", "/srv/app.py"]
    ```

    ## Fix safety
    Always unsafe: the build stays the same, but the container runs differently. The app may bind a
    port below 1024 without exposing it, write into directories that root owns, or read files only root may read (`pip
    install --user` puts packages under `/root`). None of that is visible in the Dockerfile, so no case
    is provably safe, and a `safe` label would also bypass `--no-unsafe-fixes`, the switch users turn
    to when the change breaks them. The project's default configuration still applies this fix with
    `--write` (the rule is unsafe-by-default-enabled); `--no-unsafe-fixes` or `ignore = ["DF005"]`
    turn it off.
    """
    a = assess(df, ctx)
    if a is None:
        return
    at = a.state.instr if a.state.instr is not None and a.state.instr.stage is a.stage else a.stage.from_
    if a.outcome == "fix":
        assert a.plan is not None
        yield ctx.report(df, at.start, a.plan.message, fix_for(df, a.stage, a.plan), instruction=at.index)
        yield from advisories(df, a.lineage, insertion_point(a.stage)[0], a.plan.user, ctx)
    elif a.outcome == "non-root":
        st_instr = a.state.instr
        user_at = st_instr.start if st_instr is not None and st_instr.stage is a.stage else 0
        yield from advisories(df, a.lineage, user_at, a.state.value, ctx)
    elif a.reason is not None:
        yield ctx.report(df, at.start, a.reason, instruction=at.index)
