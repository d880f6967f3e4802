"""Shell script analysis shared by the rules that read RUN instructions."""
