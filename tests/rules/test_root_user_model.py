"""DF005 reads paths through fixer.model, as BuildKit reads them (drifts its own copies had).

Each fixture here was judged differently by DF005's private WORKDIR walk and `args.split()` COPY reading:
a WORKDIR set from ENV was skipped, a quoted COPY destination kept its quotes, a final stage's copies
ignored the WORKDIR of the stage it is built FROM, and a quoted `COPY --from=users "/etc/passwd"` was
not seen copying /etc/passwd; a VOLUME named by ENV was skipped; `setsid cron` was read as the
program setsid. Reading `WORKDIR $HOME` also showed an old false advisory: a folder a RUN chowned to the
user was called created as root.
"""

from __future__ import annotations

from fixer.engine.finding import Finding
from tests.support.fixture_pairs import FIXTURES, read, run

RULE = "root-user"


def _advisories(name: str) -> dict[int, str]:
    found: list[Finding] = run(read(FIXTURES / RULE / f"{name}.in.Dockerfile"), RULE, unsafe=True).findings
    return {f.line: f.message for f in found if f.fix is None}


def test_workdir_from_env_and_a_quoted_destination_are_read_as_buildkit_reads_them() -> None:
    warned = _advisories("advisory-workdir-from-env")
    assert sorted(warned) == [3, 4, 6]
    assert warned[3].startswith("WORKDIR /srv/app is created as root, but the app writes there (VOLUME /srv/app)")
    assert warned[4].startswith("COPY into /srv/app without --chown")
    assert warned[6].startswith("COPY into /srv/app without --chown")


def test_a_copy_lands_in_the_workdir_of_the_stage_it_is_built_from() -> None:
    warned = _advisories("advisory-parent-stage-workdir")
    # the WORKDIR itself belongs to the parent stage: reported only on the final stage's own WORKDIR
    assert sorted(warned) == [6]
    assert warned[6].startswith("COPY into /srv/app without --chown")


def test_quoted_passwd_source_gives_a_scratch_image_its_uid() -> None:
    result = run(read(FIXTURES / RULE / "scratch-copies-passwd-quoted.in.Dockerfile"), RULE, unsafe=True)
    assert "USER 10123\n" in result.output
    assert [f.fix is not None for f in result.findings] == [True]


def test_a_volume_named_by_env_is_where_the_app_writes() -> None:
    # `VOLUME "$DATA_DIR"`: BuildKit removes the quotes and expands ENV; the old reading skipped any `$`
    warned = _advisories("advisory-volume-from-env")
    assert sorted(warned) == [3, 4]
    assert warned[3].startswith("WORKDIR /srv/data is created as root, but the app writes there (VOLUME /srv/data)")
    assert warned[4].startswith("COPY into /srv/data without --chown")


def test_setsid_is_a_wrapper_so_cron_is_the_program() -> None:
    # the model's wrapper table (setsid, gosu, timeout …) replaces DF005's own `exec`/`sudo` list
    found = run(read(FIXTURES / RULE / "drops-cron-setsid.keep.Dockerfile"), RULE, unsafe=True).findings
    assert [f.fix for f in found] == [None]
    assert "by design" in found[0].message and "cron" in found[0].message


def test_no_workdir_advisory_for_a_folder_a_run_chowned_to_the_user() -> None:
    # WORKDIR creates a folder as root only when it does not exist; `chown -R user $HOME` made it the user's
    text = read(FIXTURES / RULE / "workdir-chowned-to-user.keep.Dockerfile")
    assert run(text, RULE, unsafe=True).findings == []
    assert run(text.replace("WORKDIR $HOME", "WORKDIR /home/user"), RULE, unsafe=True).findings == []
    unowned = text.replace("    && chown -R user:user $HOME\n", "").replace(" \\\nWORKDIR", "\nWORKDIR")
    assert [f.line for f in run(unowned, RULE, unsafe=True).findings] == [4]
