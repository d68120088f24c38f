"""Lesson files: the model, loading with validation, atomic saving, the built-in lessons."""
