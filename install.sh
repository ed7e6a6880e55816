#!/bin/sh
# Install git-credential-ppm on Linux or macOS from a release:
#
#   curl -fsSL https://github.com/posit-dev/git-credential-ppm/releases/latest/download/install.sh | sh
#   sh install.sh [--version V] [--dir DIR] [--base-url URL]
#
#   --version V     release to install, e.g. 1.2.3 (default: the latest)
#   --dir DIR       where the binary goes (default: ~/.local/bin)
#   --base-url URL  where the archives and checksums.txt are
#                   (default: the GitHub release of V, or the latest)
#
# It downloads the archive for this OS and architecture and checksums.txt,
# checks the archive's sha256, and only then writes to DIR. Plain POSIX sh;
# needs curl or wget, tar, gzip and sha256sum or shasum.
set -eu

repo_url=https://github.com/posit-dev/git-credential-ppm
name=git-credential-ppm

fail() {
	printf 'install.sh: %s\n' "$*" >&2
	exit 1
}

version=
dir=
base_url=
while [ $# -gt 0 ]; do
	case $1 in
	--version) [ $# -ge 2 ] || fail "--version needs a value, e.g. --version 1.2.3"; version=$2; shift 2 ;;
	--version=*) version=${1#*=}; shift ;;
	--dir) [ $# -ge 2 ] || fail "--dir needs a directory"; dir=$2; shift 2 ;;
	--dir=*) dir=${1#*=}; shift ;;
	--base-url) [ $# -ge 2 ] || fail "--base-url needs a URL"; base_url=$2; shift 2 ;;
	--base-url=*) base_url=${1#*=}; shift ;;
	-h | --help)
		sed -n '2,14s/^# \{0,1\}//p' "$0" 2>/dev/null || echo "usage: install.sh [--version V] [--dir DIR] [--base-url URL]"
		exit 0
		;;
	*) fail "unknown option '$1'; use --version V, --dir DIR or --base-url URL" ;;
	esac
done
version=${version#v}
case $version in
*[!0-9A-Za-z.+-]*) fail "'$version' is not a version; use one like 1.2.3" ;;
esac

if [ -z "$dir" ]; then
	[ -n "${HOME:-}" ] || fail "HOME is not set; pass --dir DIR"
	dir=$HOME/.local/bin
fi
if [ -z "$base_url" ]; then
	if [ -n "$version" ]; then
		base_url=$repo_url/releases/download/v$version
	else
		base_url=$repo_url/releases/latest/download
	fi
fi
base_url=${base_url%/}

case $(uname -s) in
Linux) os=linux ;;
Darwin) os=darwin ;;
*) fail "there is no $name build for the OS '$(uname -s)'; on Windows use install.ps1, elsewhere 'go install github.com/posit-dev/git-credential-ppm@latest'" ;;
esac
machine=$(uname -m)
case $machine in
x86_64 | amd64) arch=amd64 ;;
aarch64 | arm64) arch=arm64 ;;
*) fail "there is no $name build for the architecture '$machine' (only amd64 and arm64); use 'go install github.com/posit-dev/git-credential-ppm@latest'" ;;
esac
# An x86_64 shell under Rosetta on Apple silicon: take the native build.
if [ "$os/$arch" = darwin/amd64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
	arch=arm64
fi

tmp=$(mktemp -d 2>/dev/null || mktemp -d -t git-credential-ppm)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# download URL FILE, leaving curl's or wget's complaint in $tmp/why.
if command -v curl >/dev/null 2>&1; then
	download() { curl -fsSL -o "$2" "$1" 2>"$tmp/why"; }
elif command -v wget >/dev/null 2>&1; then
	download() { wget -q -O "$2" "$1" 2>"$tmp/why" || { echo "wget exit status $?" >>"$tmp/why"; return 1; }; }
else
	fail "neither curl nor wget is installed; install one of them and run this again"
fi
if command -v sha256sum >/dev/null 2>&1; then
	sha256() { sha256sum "$1" | cut -d ' ' -f 1; }
elif command -v shasum >/dev/null 2>&1; then
	sha256() { shasum -a 256 "$1" | cut -d ' ' -f 1; }
else
	fail "neither sha256sum nor shasum is installed, so the download cannot be checked; install coreutils"
fi

why() { tr '\n' ' ' <"$tmp/why" | sed 's/ *$//'; }
download "$base_url/checksums.txt" "$tmp/checksums.txt" ||
	fail "cannot download $base_url/checksums.txt ($(why)); check --version and --base-url, and your network"

# The archive's line in checksums.txt: "<sha256>  <name>_<version>_<os>_<arch>.tar.gz".
# Without --version the one for this platform names the version.
if [ -n "$version" ]; then
	archive=${name}_${version}_${os}_${arch}.tar.gz
	want=$(awk -v f="$archive" '$2 == f { print $1 }' "$tmp/checksums.txt")
else
	line=$(awk -v p="^${name}_[^_]+_${os}_${arch}[.]tar[.]gz\$" '$2 ~ p { print; exit }' "$tmp/checksums.txt")
	archive=${line##* }
	want=${line%% *}
fi
[ -n "$want" ] || fail "$base_url/checksums.txt lists no archive for $os/$arch${version:+ at version $version}"
case $archive in
*/* | .*) fail "checksums.txt names an unexpected file '$archive'" ;;
esac
version=${archive#"${name}"_}
version=${version%_"${os}"_"${arch}".tar.gz}

download "$base_url/$archive" "$tmp/$archive" ||
	fail "cannot download $base_url/$archive ($(why))"
got=$(sha256 "$tmp/$archive")
if [ "$got" != "$want" ]; then
	fail "the sha256 of $archive is $got, but checksums.txt says $want; nothing was installed (download again, or report it)"
fi

mkdir "$tmp/x"
(cd "$tmp/x" && tar -xzf "../$archive" "$name") ||
	fail "cannot unpack $name from $archive"
[ -f "$tmp/x/$name" ] || fail "$archive does not hold $name"

# Verified: now, and only now, write to the target directory. The binary
# lands beside its final name and is renamed over it, so a running copy is
# never half-written.
mkdir -p "$dir" || fail "cannot create $dir; pass --dir DIR"
cp "$tmp/x/$name" "$dir/.$name.new.$$" || fail "cannot write to $dir; pass --dir DIR"
chmod 0755 "$dir/.$name.new.$$"
mv -f "$dir/.$name.new.$$" "$dir/$name" || {
	rm -f "$dir/.$name.new.$$"
	fail "cannot replace $dir/$name"
}

echo "Installed $name $version to $dir/$name (sha256 checked against checksums.txt)."
case :${PATH:-}: in
*:"$dir":*) ;;
*) echo "$dir is not on your PATH; add it, e.g.: export PATH=\"$dir:\$PATH\"" ;;
esac
echo "Next: git-credential-ppm setup"
