# Sourced by demo.sh and test.sh: make .venv (or $VAM_VENV) and install git-vam
# with the extras named in $1 (demo, test). Sets VENV.
VENV="${VAM_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[$1]"
