# Sourced by demo.sh and test.sh: make .venv (or $VAM_VENV) and install git-vam
# with the extras named in $1 (demo, test). Sets VENV.
VENV="${VAM_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[$1]"
# An editable install leaves out data files: put the man pages where `man` finds
# them beside the venv's bin/ (a wheel install puts them there itself).
mkdir -p "$VENV/share/man/man1" && cp man/*.1 "$VENV/share/man/man1/"
