"""Figures: render a view or the whole window to PNG, SVG, PDF or GIF through Qt painting."""
