"""Git plumbing shared by the stages: running git, and one long-lived object reader."""
