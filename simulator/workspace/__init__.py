"""The app's model without Qt: the workspace, the frames views draw, and what they are computed from."""
