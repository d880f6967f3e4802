"""Which repository, forge and API the bot talks to, from options, CI variables and the remote URL."""

from __future__ import annotations

import pytest

from fixer.bot import where
from fixer.bot.errors import UsageError


@pytest.mark.parametrize(
    "url,expected",
    [
        ("https://github.com/octo/fleet.git", ("github.com", "octo/fleet")),
        ("https://github.com/octo/fleet", ("github.com", "octo/fleet")),
        ("git@github.com:octo/fleet.git", ("github.com", "octo/fleet")),
        ("ssh://git@gitlab.example.com:2222/platform/containers/fleet.git", ("gitlab.example.com", "platform/containers/fleet")),
        ("https://ghe.example.com:8443/octo/fleet/", ("ghe.example.com:8443", "octo/fleet")),
        ("https://x-access-token:abc@github.com/octo/fleet.git", ("github.com", "octo/fleet")),
        ("/srv/git/fleet.git", None),
        ("file:///srv/git/fleet.git", None),
    ],
)
def test_parse_remote(url: str, expected: tuple[str, str] | None) -> None:
    assert where.parse_remote(url) == expected


def test_repository_precedence() -> None:
    url = "git@github.com:from/url.git"
    assert where.repository("given/repo", "github", {"GITHUB_REPOSITORY": "env/repo"}, url) == "given/repo"
    assert where.repository(None, "github", {"GITHUB_REPOSITORY": "env/repo"}, url) == "env/repo"
    assert where.repository(None, "gitlab", {"GITHUB_REPOSITORY": "env/repo", "CI_PROJECT_PATH": "g/s/p"}, url) == "g/s/p"
    assert where.repository(None, "github", {}, url) == "from/url"


@pytest.mark.parametrize("name,forge", [("just-a-name", "github"), ("a/b/c", "github"), ("a//b", "gitlab")])
def test_bad_repository_names_are_usage_errors(name: str, forge: str) -> None:
    with pytest.raises(UsageError, match="--repo must look like"):
        where.repository(name, forge, {}, None)


def test_no_repository_anywhere_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="pass --repo"):
        where.repository(None, "github", {}, "/local/path.git")


def test_api_url() -> None:
    assert where.api_url(None, "github", {}, "https://github.com/o/r.git") == "https://api.github.com"
    assert where.api_url(None, "github", {}, "https://ghe.corp.example/o/r.git") == "https://ghe.corp.example/api/v3"
    assert where.api_url(None, "github", {"GITHUB_API_URL": "https://api.example/"}, None) == "https://api.example"
    assert where.api_url(None, "gitlab", {}, "git@gitlab.corp.example:g/p.git") == "https://gitlab.corp.example/api/v4"
    assert where.api_url(None, "gitlab", {"CI_API_V4_URL": "https://gl.example/api/v4"}, None) == "https://gl.example/api/v4"
    assert where.api_url("http://127.0.0.1:9/x/", "gitlab", {"CI_API_V4_URL": "https://gl"}, None) == "http://127.0.0.1:9/x"


def test_forge_from_env() -> None:
    assert where.forge_from_env({"GITLAB_CI": "true"}) == "gitlab"
    assert where.forge_from_env({"GITHUB_ACTIONS": "true"}) == "github"
    assert where.forge_from_env({}) == "github"
