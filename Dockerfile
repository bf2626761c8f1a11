# syntax=docker/dockerfile:1
# The Vigil image: `vigil daemon` (DaemonSet, runs as uid 0 with the BPF capabilities it is given)
# and `vigil hub` (Deployment, runs as the non-root user this image defaults to).
#
#   docker build -t ghcr.io/vigil-dev/vigil:0.1.0 .
#
# Stage 1 builds the workspace and the capture addon (CO-RE BPF programs, libbpf linked statically)
# and packs the packages as they are published; stage 2 installs those tarballs into a slim
# Debian bookworm Node.js 20 image with no compiler.

FROM node:20-bookworm AS build
ARG PNPM_VERSION=10.34.9
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev \
      pkg-config cmake make g++ python3 \
 && rm -rf /var/lib/apt/lists/*
RUN npm install -g "pnpm@${PNPM_VERSION}"
WORKDIR /src
COPY . .
RUN pnpm install --frozen-lockfile \
 && pnpm -s build \
 && pnpm -s --filter @vigil/ebpf-native build:native
RUN mkdir /tgz \
 && for p in core ebpf-native rules reporters fleet cli; do (cd "packages/$p" && pnpm pack --pack-destination /tgz); done
# The SQLite baseline store's driver is an optional peer of @vigil/core: the daemon needs it.
RUN mkdir -p /opt/vigil \
 && cd /opt/vigil \
 && npm init -y >/dev/null \
 && npm install --omit=dev --no-audit --no-fund /tgz/*.tgz better-sqlite3@12.6.2

FROM node:20-bookworm-slim AS runtime
# libelf is the addon's one shared library besides libc and zlib.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libelf1 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/vigil /opt/vigil
ENV PATH=/opt/vigil/node_modules/.bin:$PATH \
    NODE_ENV=production
WORKDIR /var/lib/vigil
# Non-root by default (the hub, the CLI); the DaemonSet sets runAsUser: 0 for the daemon.
USER 1000:1000
ENTRYPOINT ["vigil"]
CMD ["--help"]
