#!/usr/bin/env bash
# Builds the release: one static-stdlib `skein` and its two packages.
#
# Usage:
#   scripts/release.sh [--out DIR] [--version V] [--scratch-path S] [--skip-build]
#       DIR       where the packages go (default: .build/dist)
#       V         the version in the file names (default: what `skein --version` says)
#       S         SwiftPM's build directory (default: .build); another one lets the release build run beside a
#                 `swift build` or `swift test` of the same checkout, which hold .build's lock (.ci/run does this)
#       --skip-build   pack the binary already at S/release/skein (built by this script before)
#
# Writes to DIR:
#   skein-V-linux-ARCH.tar.gz   bin/skein, share/man/man1/skein.1, shell completions (bash, zsh, fish),
#                               LICENSE, README.md
#   skein_V_DEBARCH.deb         /usr/bin/skein, the man page, the completions, /usr/share/doc/skein/copyright;
#                               Depends: computed by dpkg-shlibdeps from the binary, plus libpq5 (loaded on first
#                               use by `skein generate` and `check-queries`, so `ldd` does not show it)
#   SHA256SUMS                  both files, in `sha256sum -c` form
# and prints their paths, one per line, on stdout. Progress goes to stderr.
#
# The binary: `swift build -c release --product skein --static-swift-stdlib`, libpg_query linked from its `.a`
# (a link directory holding only the archive comes first on the linker's path), stripped. The script checks with
# ldd that nothing Swift and no libpg_query is left to load, and prints the glibc and libstdc++ versions the binary
# needs.
# Requires: swift, dpkg-deb and dpkg-shlibdeps (Debian: dpkg-dev; scripts/bootstrap.sh --release installs it),
# libpg_query's static archive (Debian: libpg-query-dev), sha256sum, gzip.
set -euo pipefail
cd "$(dirname "$0")/.."

out=.build/dist
version=
scratch=.build
build=true
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=${2:?--out needs a directory}; shift 2 ;;
        --version) version=${2:?--version needs a value}; shift 2 ;;
        --scratch-path) scratch=${2:?--scratch-path needs a directory}; shift 2 ;;
        --skip-build) build=false; shift ;;
        -h | --help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "release: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

log() { echo "release: $*" >&2; }
die() {
    echo "release: $*" >&2
    exit 1
}

scripts/bootstrap.sh --release
for tool in swift dpkg-deb dpkg-shlibdeps sha256sum gzip; do
    command -v "$tool" >/dev/null || die "$tool not found; scripts/bootstrap.sh --release installs what a release needs"
done

binary=$scratch/release/skein
if $build; then
    archive=$(clang -print-file-name=libpg_query.a 2>/dev/null || true)
    if [ ! -f "$archive" ]; then
        for dir in /usr/lib/"$(uname -m)"-linux-gnu /usr/lib /usr/local/lib /opt/homebrew/lib; do
            [ -f "$dir/libpg_query.a" ] && archive=$dir/libpg_query.a && break
        done
    fi
    [ -f "$archive" ] || die "libpg_query.a not found (Debian: apt-get install libpg-query-dev)"
    # The module map links -lpg_query; a directory with the archive alone, searched first, makes that the archive.
    linkdir=$scratch/release-static-libs
    mkdir -p "$linkdir"
    ln -sf "$(readlink -f "$archive")" "$linkdir/libpg_query.a"
    log "building skein (release, static Swift runtime, libpg_query from $archive)"
    # -no-pie: a position-dependent executable, as Go links goose and dbmate (no start-up relocations). No debug
    # information: the packed binary is stripped, and not writing it makes the build shorter (`make build` keeps it
    # for profiling, so the two builds do not share their objects). generate-manual is built with the same flags, so
    # it shares ArgumentParser's.
    swift build -c release --scratch-path "$scratch" -debug-info-format none --product skein --static-swift-stdlib \
        -Xlinker -no-pie -Xlinker -L"$(cd "$linkdir" && pwd)" >&2
    log "building ArgumentParser's generate-manual"
    swift build -c release --scratch-path "$scratch" -debug-info-format none --product generate-manual >&2
fi
[ -x "$binary" ] || die "$binary not found; run without --skip-build"

libraries=$(ldd "$binary" 2>&1) || die "ldd $binary failed: $libraries"
if grep -E 'libpg_query|libswift|libFoundation|lib_Foundation|not found' <<<"$libraries" >&2; then
    die "$binary still loads the libraries above; a release loads only the C runtime"
fi
[ -n "$version" ] || version=$("$binary" --version | awk '{ print $2 }')
[ -n "$version" ] || die "could not read the version from $binary --version"

arch=$(uname -m)
debarch=$(dpkg --print-architecture)
glibc=$(objdump -T "$binary" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -Vu | tail -n 1)
glibcxx=$(objdump -T "$binary" | grep -o 'GLIBCXX_[0-9.]*' | sed 's/GLIBCXX_//' | sort -Vu | tail -n 1)
log "skein $version needs glibc >= $glibc and libstdc++ GLIBCXX_$glibcxx"

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The files both packages hold, under a /usr-like prefix.
stage=$work/stage
mkdir -p "$stage/bin" "$stage/share/man/man1" "$stage/share/bash-completion/completions" \
    "$stage/share/zsh/vendor-completions" "$stage/share/fish/vendor_completions.d"
cp "$binary" "$stage/bin/skein"
strip "$stage/bin/skein"
"$stage/bin/skein" --generate-completion-script bash >"$stage/share/bash-completion/completions/skein"
"$stage/bin/skein" --generate-completion-script zsh >"$stage/share/zsh/vendor-completions/_skein"
"$stage/bin/skein" --generate-completion-script fish >"$stage/share/fish/vendor_completions.d/skein.fish"
# The manual's date is the last commit's, so the same commit gives the same page.
date=$(git log -1 --format=%cs 2>/dev/null || date -u +%F)
mkdir -p "$work/man"
"$scratch/release/generate-manual" "$stage/bin/skein" --date "$date" --section 1 \
    --authors "The Skein authors" --output-directory "$work/man" >&2
[ -s "$work/man/skein.1" ] || die "generate-manual wrote no skein.1"
# generate-manual copies a discussion's blank lines and indented examples as they are; mdoc wants .Pp for the
# first and a literal display for the second.
awk '
    function close_display() { if (display) { print ".Ed"; display = 0 } }
    /^$/ { close_display(); blank = 1; next }
    /^  / && !/^\./ {
        if (!display) { if (blank) print ".Pp"; print ".Bd -literal -offset indent"; display = 1 }
        blank = 0; sub(/^  /, ""); print; next
    }
    { close_display(); if (blank && $0 !~ /^\./) print ".Pp"; blank = 0; print }
    END { close_display() }
' "$work/man/skein.1" >"$stage/share/man/man1/skein.1"
# Every page must render without a warning.
if warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$stage/share/man/man1/skein.1" 2>&1 >/dev/null) &&
    [ -n "$warnings" ]; then
    die "the man page renders with warnings: $warnings"
fi

# The tarball: bin/ and share/ as they install under a prefix, with the license and README.
name=skein-$version-linux-$arch
tarroot=$work/$name
mkdir -p "$tarroot"
cp -R "$stage/bin" "$stage/share" "$tarroot/"
cp LICENSE README.md "$tarroot/"
tarball=$name.tar.gz
tar -C "$work" --owner=0 --group=0 --numeric-owner --sort=name --mtime="$date 00:00Z" -czf "$out/$tarball" "$name"

# The .deb: the same files under /usr, the man page gzipped as Debian policy asks.
deb=$work/deb
mkdir -p "$deb/DEBIAN" "$deb/usr/share/doc/skein"
cp -R "$stage/bin" "$stage/share" "$deb/usr/"
gzip -9n "$deb/usr/share/man/man1/skein.1"
cp LICENSE "$deb/usr/share/doc/skein/copyright"
# dpkg-shlibdeps reads the package's name from a debian/control.
mkdir -p "$work/shlibs/debian"
printf 'Source: skein\n\nPackage: skein\nArchitecture: any\n' >"$work/shlibs/debian/control"
depends=$(cd "$work/shlibs" && dpkg-shlibdeps -O "$deb/usr/bin/skein" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || die "dpkg-shlibdeps found no dependencies for the binary"
size=$(du -sk "$deb/usr" | cut -f1)
cat >"$deb/DEBIAN/control" <<EOF
Package: skein
Version: $version
Architecture: $debarch
Maintainer: The Skein authors <skein@example.invalid>
Installed-Size: $size
Depends: $depends, libpq5
Recommends: postgresql
Section: database
Priority: optional
Homepage: https://github.com/example/skein
Description: PostgreSQL migrations and type-safe queries for Swift
 A drop-in for goose v3.17 (the same files, goose_db_version table and command
 line) with a migration policy linter on PostgreSQL's grammar, a verifier that
 proves each Down undoes its Up, and a sqlc-style Swift code generator.
 Recommends postgresql for its throwaway clusters (skein up --ephemeral,
 verify, generate).
EOF
debfile=skein_${version}_$debarch.deb
chmod -R u+rwX,go+rX,go-w "$deb"
dpkg-deb --root-owner-group -Zxz --build "$deb" "$out/$debfile" >&2

(cd "$out" && sha256sum "$tarball" "$debfile" >SHA256SUMS)
log "wrote $(du -h "$out/$tarball" | cut -f1) $tarball and $(du -h "$out/$debfile" | cut -f1) $debfile; Depends: $depends, libpq5"
echo "$out/$tarball"
echo "$out/$debfile"
echo "$out/SHA256SUMS"
