#!/usr/bin/env bash
# `make test`: lint, schema drift check, then the whole pytest suite.
set -euo pipefail
BIN=.venv/bin
echo "== lint (ruff, mypy)"
$BIN/ruff check lakehouse tests bench
$BIN/ruff format --check lakehouse tests bench
$BIN/mypy
echo "== schema registry drift check"
$BIN/lakehouse schemas check
echo "== pytest"
$BIN/python -m pytest -q -p no:cacheprovider "$@"
