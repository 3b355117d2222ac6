"""The template editor: code editor, syntax highlighter and find/replace bar."""
