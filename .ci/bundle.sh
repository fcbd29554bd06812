#!/usr/bin/env bash
# Builds the Claude Desktop bundle (.mcpb) of hostup-mcp and prints its path on
# the last line. One bundle runs on every platform manifest.json claims:
#   server/hostup-mcp.exe            Windows (x64; Windows 11 on ARM runs it emulated),
#                                    chosen by platform_overrides.win32
#   server/hostup-mcp                macOS and Linux: a launcher (.ci/bundle/hostup-mcp.sh)
#                                    that starts server/<os>-<arch>/hostup-mcp, because
#                                    the manifest can choose by system but not by processor
#   server/{darwin,linux}-{amd64,arm64}/hostup-mcp
#
#   bash .ci/bundle.sh
#
# Needs Go, Node.js and npm. The MCPB tool (@anthropic-ai/mcpb, pinned in
# .ci/bundle/package-lock.json) installs under .ci/bundle/node_modules.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

version=$(sed -n 's/^var version = "\(.*\)"$/\1/p' main.go)
[ -n "$version" ] || { echo "bundle.sh: cannot read the version from main.go" >&2; exit 1; }

if [ ! -x .ci/bundle/node_modules/.bin/mcpb ]; then
	(cd .ci/bundle && npm ci --no-audit --no-fund --loglevel=error) >&2
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/server" dist
cp manifest.json LICENSE "$stage/"
build() { # GOOS GOARCH OUTPUT
	CGO_ENABLED=0 GOOS=$1 GOARCH=$2 go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$3" .
	chmod 755 "$3"
}
build windows amd64 "$stage/server/hostup-mcp.exe"
for target in darwin/amd64 darwin/arm64 linux/amd64 linux/arm64; do
	build "${target%/*}" "${target#*/}" "$stage/server/${target/\//-}/hostup-mcp"
done
install -m 755 .ci/bundle/hostup-mcp.sh "$stage/server/hostup-mcp"

out="$root/dist/hostup-mcp-$version.mcpb"
rm -f "$out"
.ci/bundle/node_modules/.bin/mcpb pack "$stage" "$out" >&2
echo "$out"
