"""One search run: wiring it together, its directory and SQLite store, recording trials as
they finish, the files it leaves, and reading a finished (or running) run back."""
