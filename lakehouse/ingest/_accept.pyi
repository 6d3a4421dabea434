from collections.abc import Callable
from typing import Any

ABI_VERSION: int

def pattern_match(atoms: tuple[tuple[bytes, int, int], ...], s: str, /) -> bool | None: ...

class Accept:
    def __init__(
        self,
        envelope: Any,
        payloads: dict[tuple[str, int], Any],
        max_event_bytes: int,
        ids: tuple[str, ...],
        has_pii: Callable[[str], bool],
        clean: set[str | None],
        memo_max: int,
        ts_within: Callable[[str, float], bool],
        pii_triggers: str,
        /,
    ) -> None: ...
    def __call__(self, event: Any, size: int, limit: float, /) -> bool: ...
    def run(self, events: list[Any], raws: list[bytes], limit: float, start: int, /) -> int: ...

class Schema:
    def __init__(self, spec: Any, /) -> None: ...
    def __call__(self, instance: Any, /) -> bool: ...
