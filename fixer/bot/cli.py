"""The `dockfix-bot` command: fix a repository's Dockerfiles and keep one pull (merge) request with the fixes."""

from __future__ import annotations

import enum
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from fixer.engine.rules import Service
from fixer.flags import split as split_flags
from fixer.flags import with_rule_flags

app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)
# with rich installed, typer escapes "[default: …]" for rich markup even when markup is off: `\[default: …]`
typer.core.HAS_RICH = False


class ForgeName(str, enum.Enum):
    github = "github"
    gitlab = "gitlab"


@app.command(context_settings={"help_option_names": ["-h", "--help"]})
@with_rule_flags(without=frozenset({Service.CONTEXT}))
def bot(
    repo: Annotated[Optional[str], typer.Option(help="OWNER/NAME (default: $GITHUB_REPOSITORY, $CI_PROJECT_PATH, the origin URL).")] = None,
    forge: Annotated[Optional[ForgeName], typer.Option(help="Where the repository lives (default: gitlab under GitLab CI, else github).")] = None,
    api_url: Annotated[Optional[str], typer.Option(help="REST API root, for GitHub Enterprise or self-managed GitLab.")] = None,
    token_env: Annotated[Optional[str], typer.Option(help="Environment variable holding the token (default GITHUB_TOKEN / GITLAB_TOKEN).")] = None,
    base: Annotated[Optional[str], typer.Option(help="Branch to fix and to target (default: the remote's default branch).")] = None,
    branch: Annotated[str, typer.Option(help="Branch that carries the fixes; reset on every run.")] = "dockfix/fixes",
    remote: Annotated[str, typer.Option(help="Git remote to push to.")] = "origin",
    author: Annotated[Optional[str], typer.Option(help="Commit author, 'Name <email>' (default dockfix[bot]).")] = None,
    committer: Annotated[Optional[str], typer.Option(help="Commit committer, 'Name <email>' (default: the author).")] = None,
    label: Annotated[Optional[list[str]], typer.Option(help="Label to put on the request; repeatable.")] = None,
    reviewer: Annotated[Optional[list[str]], typer.Option(help="Reviewer to request on a new request (GitHub 'org/team' for a team); repeatable.")] = None,
    close_stale: Annotated[bool, typer.Option("--close-stale/--keep-stale", help="Close the open request once the base needs no fixes.")] = True,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the branch, commit message, title and body; change nothing, call no API.")] = False,
    api_timeout: Annotated[float, typer.Option(help="Seconds to wait for each API request.")] = 30.0,
    git_auth: Annotated[bool, typer.Option("--git-auth/--no-git-auth", help="Send the token to git for HTTPS fetch and push.")] = True,
    directory: Annotated[Optional[Path], typer.Option("--directory", "-C", help="The checkout (default: the current directory).")] = None,
    select: Annotated[Optional[list[str]], typer.Option(help="Rules to run: codes, names, prefixes or ALL.")] = None,
    ignore: Annotated[Optional[list[str]], typer.Option(help="Rules to skip: codes, names, prefixes or ALL.")] = None,
    unsafe_fixes: Annotated[
        Optional[bool], typer.Option("--unsafe-fixes/--no-unsafe-fixes", help="Also apply fixes that may change behaviour.")
    ] = None,
    isolated: Annotated[bool, typer.Option("--isolated", help="Ignore the repository's configuration files.")] = False,
    **rule_flags: Any,  # the rules' declared flags (--pin, --offline, --target, ...), as dockfix has them
) -> None:
    """Run dockfix's fixes over a git checkout and open (or update) one pull request with them.

    Exit status: 0 done (opened, updated, closed, or nothing to do), 1 git or API failure, 2 usage error.
    """
    from fixer.bot.errors import BotError, UsageError

    try:
        _run(locals())
    except UsageError as e:
        _fail(str(e), 2)
    except BotError as e:
        _fail(str(e), 1)


def _fail(message: str, code: int) -> None:
    sys.stderr.write(f"dockfix-bot: error: {message}\n")
    raise typer.Exit(code)


def _run(a: dict[str, Any]) -> None:
    from fixer.bot import where
    from fixer.bot.errors import UsageError
    from fixer.bot.fixes import FixOptions
    from fixer.bot.forge import Forge
    from fixer.bot.git import Git, Identity
    from fixer.bot.run import Bot, Options
    from fixer.bot.secrets import Secret
    from fixer.prepare import split_tokens as _split

    env = os.environ
    forge_name = a["forge"].value if a["forge"] else where.forge_from_env(env)
    root = Git.toplevel(a["directory"] or Path.cwd())
    token_name = a["token_env"] or ("GITLAB_TOKEN" if forge_name == "gitlab" else "GITHUB_TOKEN")
    token = Secret(env.get(token_name, ""))
    if not a["dry_run"] and not token:
        raise UsageError(f"no token: set ${token_name} (or name another variable with --token-env); --dry-run needs none")
    git = Git(
        root,
        remote=a["remote"],
        token=token if a["git_auth"] else None,
        auth_user="oauth2" if forge_name == "gitlab" else "x-access-token",
    )
    url = git.remote_url()
    repo = where.repository(a["repo"], forge_name, env, url)
    api = where.api_url(a["api_url"], forge_name, env, url)
    options, services = split_flags(a["rule_flags"])
    fix_options = FixOptions(
        select=_split(a["select"]),
        ignore=_split(a["ignore"]),
        unsafe_fixes=a["unsafe_fixes"],
        rule_options=options,
        target=services.get(Service.TARGET),
        isolated=a["isolated"],
    )
    author = Identity.parse(a["author"]) if a["author"] else Options().author
    opts = Options(
        branch=a["branch"],
        base=a["base"],
        author=author,
        committer=Identity.parse(a["committer"]) if a["committer"] else None,
        labels=_split(a["label"]),
        reviewers=_split(a["reviewer"]),
        close_stale=a["close_stale"],
        dry_run=a["dry_run"],
        forge=forge_name,
    )

    def make_forge() -> Forge:
        if forge_name == "gitlab":
            from fixer.bot.gitlab import GitLab

            return GitLab(repo, token, token_name, api, a["api_timeout"])
        from fixer.bot.github import GitHub

        return GitHub(repo, token, token_name, api, a["api_timeout"])

    Bot(git, fix_options, opts, None if a["dry_run"] else make_forge).run()


def main() -> None:
    app(prog_name="dockfix-bot")
