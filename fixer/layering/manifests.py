"""Per ecosystem: the files a dependency install reads, and the project paths it writes.

Paths are relative to the project directory (the install's working directory). `required` files must
be in the build context for the install to work at all; `optional` ones are copied when present;
`outputs` are what the install creates inside the project: if the build context holds them too, the
later `COPY . <dst>` would overwrite the install's result, so the split is no longer provably
equivalent. `unknown_context` is what to copy when the build context cannot be read.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ecosystem:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    outputs: tuple[str, ...]
    unknown_context: tuple[str, ...]
    # the lock file the install rewrites unless told not to (then the copy of the project must not revert it)
    lock: str | None = None


ECOSYSTEMS: dict[str, Ecosystem] = {
    e.name: e
    for e in (
        # the requirement files are those named by -r/-c on the command line and inside the files
        Ecosystem("pip", (), (), (), ()),
        Ecosystem(
            "poetry",
            ("pyproject.toml",),
            ("poetry.lock", "poetry.toml"),
            (".venv",),
            ("pyproject.toml", "poetry.lock"),
        ),
        Ecosystem(
            "uv",
            ("pyproject.toml",),
            ("uv.lock", "uv.toml", ".python-version"),
            (".venv",),
            ("pyproject.toml", "uv.lock"),
            lock="uv.lock",
        ),
        Ecosystem("pipenv", ("Pipfile",), ("Pipfile.lock",), (".venv",), ("Pipfile", "Pipfile.lock"), lock="Pipfile.lock"),
        Ecosystem(
            "npm",
            ("package.json",),
            ("package-lock.json", "npm-shrinkwrap.json", ".npmrc"),
            ("node_modules",),
            ("package*.json",),
            lock="package-lock.json",
        ),
        Ecosystem(
            "yarn",
            ("package.json",),
            (
                "yarn.lock", ".yarnrc", ".yarnrc.yml", ".npmrc", ".yarn/releases", ".yarn/plugins",
                ".yarn/patches", ".yarn/cache",
            ),  # fmt: skip
            ("node_modules", ".pnp.cjs", ".pnp.js", ".pnp.loader.mjs", ".yarn/unplugged", ".yarn/install-state.gz"),
            ("package.json", "yarn.lock"),
            lock="yarn.lock",
        ),
        Ecosystem(
            "pnpm",
            ("package.json",),
            ("pnpm-lock.yaml", "pnpm-workspace.yaml", ".npmrc", ".pnpmfile.cjs"),
            ("node_modules",),
            ("package.json", "pnpm-lock.yaml"),
            lock="pnpm-lock.yaml",
        ),
        Ecosystem("go", ("go.mod",), ("go.sum",), (), ("go.mod", "go.sum")),
        Ecosystem(
            "bundler",
            ("Gemfile",),
            ("Gemfile.lock", ".bundle/config"),
            (),
            ("Gemfile", "Gemfile.lock"),
            lock="Gemfile.lock",
        ),
        Ecosystem(
            "composer",
            ("composer.json",),
            ("composer.lock", "auth.json"),
            ("vendor",),
            ("composer.json", "composer.lock"),
        ),
    )
}

# npm and yarn run these scripts of the project's own package.json on a plain install
LIFECYCLE_SCRIPTS = ("preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare")
# dependency specifiers that point into the project instead of a registry
LOCAL_SPECIFIERS = ("file:", "link:", "portal:", "workspace:", "./", "../", "/", "~/")
DEPENDENCY_FIELDS = (
    "dependencies", "devDependencies", "optionalDependencies", "peerDependencies", "overrides", "resolutions",
)  # fmt: skip
# composer events that run on `composer install`
COMPOSER_EVENTS = (
    "pre-install-cmd", "post-install-cmd", "pre-update-cmd", "post-update-cmd", "pre-autoload-dump",
    "post-autoload-dump", "post-root-package-install", "pre-package-install", "post-package-install",
    "pre-dependencies-solving", "post-dependencies-solving",
)  # fmt: skip
# environment variables that move an install's output, by ecosystem
OUTPUT_ENV = {
    "pip": ("VIRTUAL_ENV", "PIP_TARGET", "PIP_PREFIX", "PYTHONUSERBASE"),
    "poetry": ("POETRY_VIRTUALENVS_PATH", "POETRY_VIRTUALENVS_IN_PROJECT", "VIRTUAL_ENV"),
    "uv": ("UV_PROJECT_ENVIRONMENT", "VIRTUAL_ENV"),
    "pipenv": ("PIPENV_VENV_IN_PROJECT", "WORKON_HOME", "VIRTUAL_ENV", "PIPENV_PIPFILE"),
    "npm": ("NPM_CONFIG_PREFIX", "npm_config_prefix"),
    "yarn": ("YARN_MODULES_FOLDER", "YARN_CACHE_FOLDER"),
    "pnpm": ("PNPM_HOME", "npm_config_modules_dir"),
    "go": ("GOPATH", "GOMODCACHE", "GOFLAGS"),
    "bundler": ("BUNDLE_PATH", "BUNDLE_APP_CONFIG", "BUNDLE_GEMFILE", "GEM_HOME", "BUNDLE_BIN"),
    "composer": ("COMPOSER_VENDOR_DIR", "COMPOSER", "COMPOSER_BIN_DIR"),
}
