"""Backprop Hiker: a desktop app that teaches backpropagation and gradient descent."""

__version__ = "0.1.0"
