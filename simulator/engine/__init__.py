"""The numbers: forward pass, backpropagation, optimizers, datasets, sessions (numpy only)."""
