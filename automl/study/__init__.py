"""``automl study``: the front re-measured per device, batch size and thread count, with picks
per latency budget."""
