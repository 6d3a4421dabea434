"""`python -m lakehouse.simulate.build_seeds`: rewrite the committed dbt seed CSVs."""

from __future__ import annotations

from lakehouse.simulate.world import write_seed_tables


def main() -> None:
    for path in write_seed_tables():
        print(path)


if __name__ == "__main__":
    main()
