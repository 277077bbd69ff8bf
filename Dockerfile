# zpa-relay container image: receives ZPA LSS logs from Fluent Bit (forward protocol) and relays them to a SIEM.
#   docker build -t zpa-relay .
#   docker run -p 24224:24224 -p 9464:9464 zpa-relay      (defaults: enriched NDJSON on stdout)
#   docker run -p 24224:24224 -p 9464:9464 -v ./config.yaml:/etc/zpa-relay/config.yaml:ro zpa-relay --config /etc/zpa-relay/config.yaml
# test/docker-build.test.ts replays these steps (stages, COPY, RUN, ENTRYPOINT) without a Docker engine: keep each
# COPY to plain paths under /app and each RUN to commands that also work outside a container.

# Compile TypeScript with the full dependency tree.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --no-audit --no-fund
COPY src ./src
RUN npx tsc -p tsconfig.json && mkdir -p dead-letter

# Runtime dependencies only, resolved from the same lockfile (native msgpackr-extract prebuild included).
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production
# Requests and sink bodies are buffers of megabytes allocated and freed many times a second. glibc's malloc would
# raise its mmap threshold after the first frees and then serve them from its heap, which keeps the freed memory;
# a fixed threshold keeps them mmapped, returned to the system as they are freed: less resident memory at full load
# for the same throughput (docs/performance.md#memory). Inherited by the follower processes.
ENV MALLOC_MMAP_THRESHOLD_=131072
# Dead letters go to the volume-friendly directory below; the working directory is not writable by the relay's user.
ENV ZPA_RELAY_DEAD_LETTER__PATH=/var/lib/zpa-relay/dead-letter.ndjson
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
# Schemas are read at start-up: every log type's fields, types and event time come from them.
COPY schemas ./schemas
# The Fluent Bit templates travel with the image so `docker cp` can fetch the matching version.
COPY fluent-bit ./fluent-bit
# The default dead-letter directory, owned by the runtime user so a named volume mounted there is writable too.
COPY --from=build --chown=node:node /app/dead-letter /var/lib/zpa-relay
# The official image's unprivileged user; the relay needs no root (its ports are above 1024).
USER node
# 24224: forward protocol from Fluent Bit. 9464: /metrics, /healthz, /readyz. The relay's defaults listen on
# 0.0.0.0, every interface of the container: publish only what you need.
EXPOSE 24224 9464
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.ZPA_RELAY_OPS__PORT || 9464}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# With no arguments the relay runs on its defaults plus ZPA_RELAY_* variables; pass `--config FILE` (or set
# ZPA_RELAY_CONFIG) to use a mounted configuration, as examples/docker-compose.yml and examples/kubernetes do.
# The defaults of heap.max_semi_space and heap.single_threaded_gc (auto: off on Node 24, see src/config/heap.ts), which
# node takes on its command line only (follower processes get the configured ones from the leader): V8 sizes its young
# generation at start-up, and Node 24 would take 2 × 64 MiB for it, much more resident memory at full load
# (docs/performance.md#memory).
ENTRYPOINT ["node", "--max-semi-space-size=8", "dist/src/cli.js"]
