# Sourced by the scripts: makes sure uv is there (installing it from PyPI) and
# puts the project's environment in place from the lock file.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v uv >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check uv
fi
if ! command -v uv >/dev/null 2>&1; then
    uv() { python3 -m uv "$@"; }
fi
# Every desk process imports a few hundred modules: compile them once here, and let
# Python cache our own sources, instead of compiling at each start (some machines
# set PYTHONDONTWRITEBYTECODE, which made each process start take seconds of CPU).
unset PYTHONDONTWRITEBYTECODE
uv sync --frozen --python 3.11 --quiet --compile-bytecode
