"""Setting up and keeping a scheme: its file, imported and exported, and locating homes."""
