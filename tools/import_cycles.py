"""List the import cycles between medbill's modules (none is the rule).

Usage: python tools/import_cycles.py
Exit status 1 when there is a cycle. Imports under ``if TYPE_CHECKING:`` count too: a cycle
there is still two modules that each need the other to be understood. Needs ``grimp``
(installed with import-linter).
"""

from __future__ import annotations

import sys


def cycles(package: str = "medbill_cli") -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    import grimp

    graph = grimp.build_graph(package)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.find_modules_directly_imported_by(v)):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for m in sorted(graph.modules):
        if m not in index:
            visit(m)
    return sorted(found)


def main() -> int:
    found = cycles()
    for group in found:
        print("cycle: " + " <-> ".join(group))  # noqa: T201
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
