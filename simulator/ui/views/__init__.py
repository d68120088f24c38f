"""The views: each draws frames from the workspace and emits what the user asks for."""
