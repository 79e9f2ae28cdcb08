#!/usr/bin/env bash
# Create .venv (if missing) and install Lifts into it, once: again only when pyproject.toml
# changes. `setup.sh` installs what Lifts needs to run; `setup.sh dev` adds the development
# tools (tests, linters, the browser driver). A dev install serves both.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
want=${1:-runtime}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
hash=$(sha256sum pyproject.toml | cut -c1-16)
for have in dev "$want"; do
  if [ "$(cat ".venv/.installed-$have" 2>/dev/null)" = "$hash" ]; then
    exit 0  # already installed from this pyproject.toml
  fi
done
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "$want" = dev ]; then
  .venv/bin/python -m pip install --quiet -e ".[dev]"
else
  .venv/bin/python -m pip install --quiet -e .
fi
echo "compiling the solver's inner loops (once, about 20 s)"
.venv/bin/python -c "from routing.kernels import warm; warm()"
echo "$hash" > ".venv/.installed-$want"
