#!/usr/bin/env bash
# Makes sure what Parley's build and tests need is present:
#   - the Swift toolchain (cannot be installed from here: we say where to get it),
#   - libsodium-dev, libsqlite3-dev and pkg-config (Debian packages; installed when run as root),
#   - with --python: virtualenvs with pinned PyPI packages: .venv for the interop tests
#     (TestVectors/generator/requirements.txt) and .venv-fuzz for the server fuzz run
#     (scripts/server-fuzz/requirements.txt); python3-venv installed when run as root.
# Without root, anything missing is reported as one clear sentence and the script exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

want_python=0
for argument in "$@"; do
    case "$argument" in
    --python) want_python=1 ;;
    *) echo "prerequisites.sh: unknown option $argument" >&2; exit 2 ;;
    esac
done

is_root() { [[ "$(id -u)" == "0" ]]; }
apt_updated=0
apt_install() {
    if ! is_root; then
        echo "Parley needs the Debian package(s) $*: run 'sudo apt-get install $*' (or run make as root)." >&2
        exit 1
    fi
    if [[ $apt_updated == 0 ]]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        apt_updated=1
    fi
    echo "Installing $* ..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! command -v swift >/dev/null 2>&1; then
    echo "Parley needs the Swift toolchain (6.0 or newer) on PATH: see https://www.swift.org/install/linux/." >&2
    exit 1
fi

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if ! pkg-config --exists libsodium 2>/dev/null || [[ ! -f /usr/include/sodium.h ]]; then missing+=(libsodium-dev); fi
if ! pkg-config --exists sqlite3 2>/dev/null || [[ ! -f /usr/include/sqlite3.h ]]; then missing+=(libsqlite3-dev); fi
if ((${#missing[@]})); then apt_install "${missing[@]}"; fi

# A virtualenv at $1 holding the pinned packages of requirements file $2 (recreated when the file changes).
ensure_venv() {
    local venv=$1 requirements=$2
    local stamp="$venv/.requirements.sha256"
    local wanted
    wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
    if [[ -x $venv/bin/python && -f $stamp && "$(cat "$stamp")" == "$wanted" ]]; then return; fi
    if ! command -v python3 >/dev/null 2>&1; then apt_install python3 python3-venv; fi
    rm -rf "$venv"
    if ! python3 -m venv "$venv" >/dev/null 2>&1; then
        rm -rf "$venv"
        apt_install python3-venv
        python3 -m venv "$venv"
    fi
    echo "Installing the pinned packages of $requirements into $venv ..."
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    echo "$wanted" >"$stamp"
}

if [[ $want_python == 1 ]]; then
    ensure_venv .venv TestVectors/generator/requirements.txt
    ensure_venv .venv-fuzz scripts/server-fuzz/requirements.txt
fi
