#!/usr/bin/env bash
# Builds the Claude Desktop bundle (.mcpb) of hostup-mcp for this computer, or for
# the platform GOOS/GOARCH name, and prints its path on the last line.
#
#   bash .ci/bundle.sh                          # this computer
#   GOOS=windows GOARCH=amd64 bash .ci/bundle.sh
#
# Needs Go, Node.js and npm. The MCPB tool (@anthropic-ai/mcpb, pinned in
# .ci/bundle/package-lock.json) installs under .ci/bundle/node_modules.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

goos=${GOOS:-$(go env GOOS)}
goarch=${GOARCH:-$(go env GOARCH)}
version=$(sed -n 's/^var version = "\(.*\)"$/\1/p' main.go)
[ -n "$version" ] || { echo "bundle.sh: cannot read the version from main.go" >&2; exit 1; }
exe=hostup-mcp
[ "$goos" = windows ] && exe=hostup-mcp.exe

if [ ! -x .ci/bundle/node_modules/.bin/mcpb ]; then
	(cd .ci/bundle && npm ci --no-audit --no-fund --loglevel=error) >&2
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/server" dist
cp manifest.json "$stage/"
CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$stage/server/$exe" .
chmod 755 "$stage/server/$exe"

out="$root/dist/hostup-mcp-$version-$goos-$goarch.mcpb"
rm -f "$out"
.ci/bundle/node_modules/.bin/mcpb pack "$stage" "$out" >&2
echo "$out"
