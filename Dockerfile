# hostup-mcp as a container: a static binary on distroless, non-root, happy with a
# read-only root filesystem (it writes no file). Serves Streamable HTTP on :8765.
#
#   docker build -t hostup-mcp:0.1.0 --build-arg VERSION=0.1.0 .
#   docker run --rm --read-only -p 8765:8765 hostup-mcp:0.1.0
#
# With a memory limit, give Go's runtime a soft limit at about 90% of it:
#   docker run --rm --read-only --memory 128m -e GOMEMLIMIT=115MiB -p 8765:8765 hostup-mcp:0.1.0
# Probes: GET /healthz (alive) and GET /readyz (503 while full).
#
# Without VERSION the binary keeps the version written in main.go. Deployment
# files: deploy/kubernetes/.

# GO_VERSION: go.mod's go line or a newer patch release (.ci/run checks it).
ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION
# Reproducible: no local paths (-trimpath), no VCS state (the context has no .git
# anyway), the version stamped in. .ci/run runs this exact line where no container
# builder exists: keep it on one line, starting with "RUN CGO_ENABLED=0 go build".
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags="-s -w ${VERSION:+-X main.version=${VERSION}}" -o dist/hostup-mcp .

# static: CA certificates (HostUp is called over HTTPS) and time zones
# (--timezone), nothing else; :nonroot runs as uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/dist/hostup-mcp /hostup-mcp
USER 65532:65532
ENV HOSTUP_MCP_TRANSPORT=http HOSTUP_MCP_ADDR=0.0.0.0:8765
EXPOSE 8765
ENTRYPOINT ["/hostup-mcp"]
