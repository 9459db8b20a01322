"""A small name registry: its names are the YAML vocabulary of one kind of thing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from genomes.errors import SearchSpaceError

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps names to objects; duplicates and unknown names raise with the valid names listed."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T) -> T:
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self._entries[name] = entry
        return entry

    def get(self, name: str) -> T:
        try:
            return self._entries[name]
        except KeyError:
            raise SearchSpaceError(
                f"unknown {self.kind} {name!r}; allowed: {', '.join(self.names())}"
            ) from None

    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)
