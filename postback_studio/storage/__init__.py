"""SQLite persistence for the workspace (through sqlite-utils). No Qt here either."""
