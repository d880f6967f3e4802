"""What the package-cache rules (DF003, DF006-DF012) know about RUN scripts and package managers.

`script` turns a RUN into the shell script it runs (shell form, or a heredoc body) with a map back to
file offsets; `commands` finds package-manager invocations in it; `edits` builds the text edits the
rules return; `stages` answers questions across instructions (later RUNs, ENV, which stages ship).
"""
