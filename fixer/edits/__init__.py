"""Text edits the rules return: into a RUN's script (`script`), around an instruction (`instruction`),
and quoting of values they write (`quoting`)."""
