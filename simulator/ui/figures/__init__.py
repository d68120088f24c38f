"""Figures for lecture notes: a view drawn alone, without its controls, into PNG, SVG, PDF or GIF.

``spec`` says what a figure is (view, size, DPI, scale, theme); ``state`` snapshots the
workspace and feeds a fresh view; ``catalog`` knows each view's figure; ``painting``
paints a figure into a file's bytes; ``svg_flatten`` makes Qt's SVG draw the same in
every renderer; ``animation`` writes the hiker walking as a GIF or a PNG series.
"""
