"""What DF005 (root-user) needs to decide whether, and how, a final image can run as a non-root user.

`assess` is the entry point; each other module holds one part of the decision: the image's lineage,
the users its RUNs create, who its base image runs as, images that start as root by design, the plan
and its edits, and the advisories about what a non-root user cannot write.
"""
