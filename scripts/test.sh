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
# one xdist worker per core, at most 4 (each builds lakes of its own); tests that share a
# lake built once stay on one worker (tests/conftest.py schedules them)
WORKERS=${TEST_WORKERS:-$(( $(nproc) < 4 ? $(nproc) : 4 ))}
echo "== pytest ($WORKERS workers)"
$BIN/python -m pytest -q -p no:cacheprovider -n "$WORKERS" "$@"
