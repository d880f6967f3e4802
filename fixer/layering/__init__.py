"""What a build step reads and writes, for the layer cache: the analysis behind DF004 (copy-before-dependencies).

`effects` recognises RUN commands that never read the build context,
`manifests` and `installs` know the dependency installs of each ecosystem and what they read, `moves`
and `plan` decide which COPY goes where. The stage walk and the build context are `fixer.model`'s.
"""
