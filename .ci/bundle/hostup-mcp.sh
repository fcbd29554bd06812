#!/bin/sh
# The bundle's command on macOS and Linux. An MCPB manifest chooses a command per
# operating system only (platform_overrides: darwin, win32, linux), not per
# processor, so this picks the binary built for this one. It prints nothing on
# stdout, which belongs to JSON-RPC, and exec leaves no shell in between.
dir=$(dirname "$0")
case $(uname -s) in
Darwin) os=darwin ;;
Linux) os=linux ;;
*) echo "hostup-mcp: this bundle has no binary for $(uname -s); build hostup-mcp from source (see README.md)" >&2; exit 1 ;;
esac
case $(uname -m) in
x86_64 | amd64) arch=amd64 ;;
arm64 | aarch64) arch=arm64 ;;
*) echo "hostup-mcp: this bundle has no binary for $(uname -m) processors; build hostup-mcp from source (see README.md)" >&2; exit 1 ;;
esac
exec "$dir/$os-$arch/hostup-mcp" "$@"
