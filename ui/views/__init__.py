"""The pages and dialogs of the main window."""
