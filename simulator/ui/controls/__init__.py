"""The control sections of the side panel: problem, optimizer, axes, speed, data."""
