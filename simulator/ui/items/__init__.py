"""Graphics items (QGraphics and pyqtgraph) that the views are built from."""
