"""One bot run: fix the base branch, then push the fix branch and open, update or close the request.

The order keeps the remote consistent whatever fails:
1. read the remote (base and fix branch) and compute the fixes from the base commit;
2. ask the forge for the open request first: a bad token, a rate limit or a dead network stops the
   run here, before anything is pushed;
3. push only when the branch's content would change, with a lease on the value read in step 1;
4. open or update the request; if the forge refuses, the push of step 3 is undone (with a lease on
   what was pushed), so no branch is left behind without a request. Only when the forge's answer is
   lost (a timeout after sending) is the branch kept, and the message says so.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from fixer.bot import body as bodymod
from fixer.bot.errors import BotError, UsageError
from fixer.bot.fixes import FixOptions, FixRun, fix_tree, settings
from fixer.bot.forge import ChangeRequest, Forge, ForgeError
from fixer.bot.git import DEFAULT_IDENTITY, Git, Identity
from fixer.engine.rules import Rule
from fixer.prepare import Prepared


@dataclass
class Options:
    branch: str = "dockfix/fixes"
    base: str | None = None
    author: Identity = field(default_factory=lambda: Identity.parse(DEFAULT_IDENTITY))
    committer: Identity | None = None
    labels: Sequence[str] = ()
    reviewers: Sequence[str] = ()
    close_stale: bool = True
    dry_run: bool = False
    forge: str = "github"  # or "gitlab": names the request and its body limit in a dry run

    @property
    def kind(self) -> str:
        return "merge request" if self.forge == "gitlab" else "pull request"

    @property
    def body_limit(self) -> int:
        from fixer.bot.gitlab import BODY_LIMIT

        return BODY_LIMIT if self.forge == "gitlab" else bodymod.GITHUB_BODY_LIMIT


CLOSE_COMMENT = (
    "dockfix has nothing left to fix on `{base}`: the base branch already has these fixes "
    "(or the Dockerfiles changed so that they no longer apply). Closing this {kind}."
)


class Bot:
    def __init__(
        self,
        git: Git,
        fix_options: FixOptions,
        opts: Options,
        make_forge: Callable[[], Forge] | None,
        out: TextIO = sys.stdout,
        err: TextIO = sys.stderr,
    ) -> None:
        self.git = git
        self.fix_options = fix_options
        self.settings: Prepared | None = None  # read from the base commit's own config files
        self.opts = opts
        self.make_forge = make_forge
        self.out = out
        self.err = err

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    # -- what to propose ----------------------------------------------------------------------------

    def base_branch(self) -> str:
        git = self.git
        base = self.opts.base
        if not base and self.opts.dry_run:
            base = git.local_default_branch()
            if not base:
                try:  # read-only and usually allowed without a token; a dry run must not fail on it
                    base = git.remote_default_branch()
                except BotError:
                    base = None
        elif not base:
            base = git.remote_default_branch()
        base = base or git.current_branch()
        if not base:
            raise UsageError("cannot tell the base branch: pass --base NAME")
        if base == self.opts.branch:
            raise UsageError(f"the base branch and the fix branch are both {base!r}")
        return base

    def fix(self, base_sha: str) -> FixRun:
        with self._source(base_sha) as root:
            self.settings = settings(root, self.fix_options)
            try:
                run = fix_tree(root, self.git.tree(base_sha), self.settings)
            finally:
                self.settings.close()
        for p in run.problems:
            self.err.write(f"dockfix-bot: warning: {p}\n")
        return run

    @contextlib.contextmanager
    def _source(self, base_sha: str) -> Iterator[Path]:
        """A directory holding the base commit's files: the checkout itself when it is exactly that."""
        if self.git.rev("HEAD") == base_sha and self.git.is_clean():
            yield self.git.root
            return
        with self.git.worktree(base_sha) as path:
            yield path

    # -- the run --------------------------------------------------------------------------------------

    def run(self) -> None:
        self.git.check_branch_name(self.opts.branch)
        base = self.base_branch()
        if self.opts.dry_run:
            self._dry_run(base)
            return
        heads = self.git.remote_heads(base, self.opts.branch)
        if base not in heads:
            raise BotError(f"the base branch {base!r} does not exist on {self.git.remote}")
        base_sha, old_sha = heads[base], heads.get(self.opts.branch)
        if not self.git.has_commit(base_sha):
            self.git.fetch(base)
        run = self.fix(base_sha)
        assert self.make_forge is not None
        forge = self.make_forge()
        existing = forge.find_open(self.opts.branch)  # before any push: fails early on token, limits, network
        if not run.changed:
            self._nothing_to_fix(forge, existing, base)
            return
        rules = self.rules()
        title = bodymod.title(run, rules)
        body = bodymod.render(run, rules, forge.body_limit)
        new_sha = self._commit(run, base_sha)
        pushed = False
        if old_sha and self._same_change(old_sha, new_sha):
            self.say(f"branch {self.opts.branch} already holds these fixes on {base}: nothing to push")
        else:
            self.git.push(new_sha, self.opts.branch, expected=old_sha)
            pushed = True
            self.say(f"pushed {new_sha[:12]} to {self.opts.branch} ({'reset onto' if old_sha else 'from'} {base} {base_sha[:12]})")
        try:
            cr = self._open_or_update(forge, existing, base, title, body)
        except ForgeError as e:
            raise BotError(self._undo(e, pushed, new_sha, old_sha)) from None
        self._decorate(forge, cr, created=existing is None)

    def _dry_run(self, base: str) -> None:
        base_sha = self.git.rev(f"refs/remotes/{self.git.remote}/{base}") or self.git.rev(f"refs/heads/{base}")
        if base_sha is None:
            raise UsageError(f"no local copy of the base branch {base!r}: fetch it, or pass --base")
        run = self.fix(base_sha)
        if not run.changed:
            self.say(f"nothing to fix on {base} ({base_sha[:12]}): no branch, commit or {self.opts.kind} would be made")
            return
        rules = self.rules()
        self.say(f"branch: {self.opts.branch} (from {base} at {base_sha[:12]})")
        self.say(f"author: {self.opts.author}")
        self.say("commit message:")
        self.say("".join("    " + ln + "\n" if ln else "\n" for ln in bodymod.commit_message(run, rules).splitlines()).rstrip("\n"))
        self.say(f"{self.opts.kind} title: {bodymod.title(run, rules)}")
        self.say(f"{self.opts.kind} body:")
        self.say(bodymod.render(run, rules, self.opts.body_limit))
        self.say("(dry run: nothing was committed, pushed or sent)")

    def rules(self) -> dict[str, Rule]:
        assert self.settings is not None
        return {r.code: r for r in self.settings.rules}

    def _commit(self, run: FixRun, base_sha: str) -> str:
        changes = {ff.path: (ff.mode, self.git.hash_blob(ff.path, ff.output.encode("utf-8"))) for ff in run.files}
        message = bodymod.commit_message(run, self.rules())
        return self.git.commit_tree(base_sha, changes, message, self.opts.author, self.opts.committer or self.opts.author)

    def _same_change(self, old_sha: str, new_sha: str) -> bool:
        """True when the remote branch is already this fix on this base (same tree, same single parent)."""
        if not self.git.has_commit(old_sha):
            try:
                self.git.fetch(self.opts.branch)
            except BotError:
                return False
            if not self.git.has_commit(old_sha):
                return False
        return self.git.commit_info(old_sha) == self.git.commit_info(new_sha)

    def _open_or_update(self, forge: Forge, existing: ChangeRequest | None, base: str, title: str, body: str) -> ChangeRequest:
        if existing is None:
            cr = forge.create(self.opts.branch, base, title, body)
            self.say(f"opened {forge.kind} #{cr.number}: {cr.url}")
            return cr
        if (existing.title, existing.body, existing.base) == (title, body, base):
            self.say(f"{forge.kind} #{existing.number} is up to date: {existing.url}")
            return existing
        cr = forge.update(existing, title, body, base)
        self.say(f"updated {forge.kind} #{cr.number}: {cr.url}")
        return cr

    def _decorate(self, forge: Forge, cr: ChangeRequest, created: bool) -> None:
        try:
            if self.opts.labels:
                forge.add_labels(cr, self.opts.labels)
            if created and self.opts.reviewers:
                forge.request_reviewers(cr, self.opts.reviewers)
        except ForgeError as e:
            raise BotError(f"{forge.kind} #{cr.number} is open ({cr.url}), but {e}") from None

    def _undo(self, e: ForgeError, pushed: bool, new_sha: str, old_sha: str | None) -> str:
        branch = self.opts.branch
        if not pushed:
            return str(e)
        if e.outcome_unknown:
            return (
                f"{e}. Branch {branch} was pushed ({new_sha[:12]}) and it is unknown whether the forge acted "
                "on the request; run the bot again: it finds and updates the request, or opens it"
            )
        try:
            self.git.push(old_sha, branch, expected=new_sha)
        except BotError as undo:
            return f"{e}. Restoring branch {branch} failed too ({undo}); it is left at {new_sha[:12]}"
        was = f"restored to {old_sha[:12]}" if old_sha else "deleted again"
        return f"{e}. Branch {branch} was {was}, so nothing is left half done"

    def _nothing_to_fix(self, forge: Forge, existing: ChangeRequest | None, base: str) -> None:
        if existing is None:
            self.say(f"nothing to fix on {base}")
            return
        if not self.opts.close_stale:
            self.say(f"nothing to fix on {base}; {forge.kind} #{existing.number} left open (--keep-stale)")
            return
        forge.close(existing, CLOSE_COMMENT.format(base=base, kind=forge.kind))
        self.say(f"nothing to fix on {base}; closed {forge.kind} #{existing.number}: {existing.url}")
