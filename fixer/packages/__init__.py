"""What the package-cache rules (DF003, DF006-DF012) know about RUN scripts and package managers.

The script a RUN runs and the package-manager calls in it come from `fixer.model.commands`; `edits`
builds the text edits the rules return; `stages` answers questions across instructions (cache mounts).
"""
