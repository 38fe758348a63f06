#!/usr/bin/env bash
# Checks what scripts/release.sh wrote, as a user installs it: the checksums, the tarball's binary, then the .deb
# installed with apt, the quick start run with the installed /usr/bin/skein (not the build tree), its man page and
# completions, and a purge that leaves none of the package's files behind.
#
# Usage:
#   scripts/check-release.sh DIR      DIR: where scripts/release.sh --out DIR wrote its files
# Needs root (or sudo) for apt-get. Exit 0 when every check holds.
set -euo pipefail
cd "$(dirname "$0")/.."
dist=$(cd "${1:?usage: scripts/check-release.sh DIR}" && pwd)
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
die() {
    echo "check-release: $*" >&2
    exit 1
}

echo "== sha256sum -c SHA256SUMS"
(cd "$dist" && sha256sum -c SHA256SUMS)

tarball=$(ls "$dist"/skein-*-linux-*.tar.gz)
deb=$(ls "$dist"/skein_*.deb)
echo "== the tarball: $(basename "$tarball")"
work=$(mktemp -d)
installed_here=false
cleanup() {
    rm -rf "$work"
    # A check that failed after the install leaves no package behind for the next run.
    if $installed_here && dpkg -s skein >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get purge -y -qq skein >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT
tar -C "$work" -xzf "$tarball"
root=$(ls -d "$work"/skein-*)
for file in bin/skein share/man/man1/skein.1 share/bash-completion/completions/skein \
    share/zsh/vendor-completions/_skein share/fish/vendor_completions.d/skein.fish LICENSE README.md; do
    [ -s "$root/$file" ] || die "the tarball has no $file"
done
"$root/bin/skein" --version
# The README's install lines, run as written (into a scratch prefix instead of /usr/local, and the .deb below).
readme_tar=$(grep -E '^sudo tar -C /usr/local ' README.md | sed -E 's/[[:space:]]+#.*$//')
[ -n "$readme_tar" ] || die "README.md has no 'sudo tar -C /usr/local …' install line"
readme_deb=$(grep -E '^sudo apt-get install \./skein_' README.md | sed -E 's/[[:space:]]+#.*$//')
[ -n "$readme_deb" ] || die "README.md has no 'sudo apt-get install ./skein_…' install line"
version=$("$root/bin/skein" --version | awk '{ print $2 }')
grep -q "skein-$version-linux-" <<<"$readme_tar" || die "README.md's tar line names another version than $version"
grep -q "skein_${version}_" <<<"$readme_deb" || die "README.md's apt-get line names another version than $version"
prefix=$work/prefix
mkdir -p "$prefix"
(cd "$dist" && eval "${readme_tar/#sudo tar -C \/usr\/local/tar -C $prefix}")
[ -x "$prefix/bin/skein" ] && [ -s "$prefix/share/man/man1/skein.1" ] \
    || die "README.md's tar line did not install bin/skein and the man page: $readme_tar"
MANPATH=$prefix/share/man man -w skein >/dev/null || die "man does not find the tarball's page under $prefix/share/man"
if ldd "$root/bin/skein" | grep -E 'libpg_query|libswift|not found'; then
    die "the tarball's skein loads the libraries above"
fi

echo "== apt-get install ./$(basename "$deb")"
if dpkg -s skein >/dev/null 2>&1; then
    die "a skein package is already installed; remove it first (apt-get purge skein)"
fi
dpkg-deb --info "$deb" | sed -n 's/^ \(Package\|Version\|Depends\|Installed-Size\):/  \1:/p'
installed_here=true
(cd "$dist" && eval "DEBIAN_FRONTEND=noninteractive ${readme_deb/#sudo /$SUDO } -y -qq >/dev/null")
mapfile -t installed < <(dpkg -L skein | while read -r path; do [ -f "$path" ] && echo "$path"; done)
echo "installed ${#installed[@]} files: ${installed[*]}"
[ "$(command -v skein)" = /usr/bin/skein ] || die "skein on PATH is $(command -v skein), not /usr/bin/skein"
[ "$(man -w skein)" = /usr/share/man/man1/skein.1.gz ] || die "man -w skein says $(man -w skein)"
man skein 2>/dev/null | grep -q "skein up" || die "man skein does not show the up command"
# The completion script bash loads for `skein <TAB>` offers the subcommands.
completions=$(bash -c 'source /usr/share/bash-completion/completions/skein
    COMP_WORDS=(skein ""); COMP_CWORD=1; COMP_LINE="skein "; COMP_POINT=6
    _skein; printf "%s\n" "${COMPREPLY[@]}"')
grep -qx up <<<"$completions" && grep -qx lint <<<"$completions" \
    || die "bash completion of 'skein ' does not offer up and lint: $completions"

echo "== the quick start with the installed binary (SKEIN=/usr/bin/skein scripts/quickstart.sh)"
SKEIN=/usr/bin/skein scripts/quickstart.sh

echo "== apt-get purge skein"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get purge -y -qq skein >/dev/null
dpkg -s skein >/dev/null 2>&1 && die "dpkg still knows skein after the purge"
for path in "${installed[@]}"; do
    [ ! -e "$path" ] || die "$path is left after apt-get purge skein"
done
[ ! -e /usr/share/doc/skein ] || die "/usr/share/doc/skein is left after the purge"
echo "check-release: the tarball and the .deb install, run the quick start and purge cleanly"
