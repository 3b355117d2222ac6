"""Qt adapters that run core work off the GUI thread and report back through signals."""
