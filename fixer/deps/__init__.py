"""What a build step reads and writes: the analysis behind DF004 (copy-before-dependencies).

`paths` compares image paths, `stage` tracks a stage's WORKDIR/ENV/SHELL, `context` reads the build
context through `.dockerignore`, `effects` recognises RUN commands that never read the build context,
`manifests` and `installs` know the dependency installs of each ecosystem and what they read.
"""
