"""``automl export``: one network of a run as standalone PyTorch, and how it is picked."""
