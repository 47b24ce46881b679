# syntax=docker/dockerfile:1
#
# openregister-webhooks: a two-stage image.
#   build   - installs every dependency (better-sqlite3 compiles its native addon here when no
#             prebuilt binary fits), compiles TypeScript to dist/, then prunes dev dependencies.
#   runtime - the same slim Node base with only dist/, the pruned node_modules and package.json
#             (which carries "type": "module"), owned by root and run as the unprivileged uid 1000.
#
# The container runs with a read-only root filesystem: the service writes only to DATA_DIR (/data,
# a volume) and, at most, /tmp. Node is PID 1 and gets SIGTERM directly, with no npm or shell in
# between, so the service's own drain (SHUTDOWN_GRACE_MS) runs on `docker stop` and pod deletion.
#
#   docker build -t openregister-webhooks:0.1.0 .
#   docker run --rm --read-only --tmpfs /tmp -v orw-data:/data -p 3000:3000 \
#     -e WEBHOOK_SECRETS=change-me openregister-webhooks:0.1.0

# Pin the exact release of the newest Node LTS every dependency supports: Node 24 (Node 20 reached
# its end of life in April 2026; better-sqlite3 12 declares Node 20 to 25, not yet Node 26).
# CI runs the whole suite on this same release (scripts/install-node.mjs reads it from this line).
# Bump it deliberately; for reproducible builds append the image digest (@sha256:...).
ARG NODE_VERSION=24.22.3

FROM node:${NODE_VERSION}-bookworm-slim AS build
# Toolchain for node-gyp, used only when better-sqlite3 has no prebuilt binary for this platform.
# Debian package versions are not pinned: the bookworm-slim release pinned above fixes the suite, and
# pinned versions vanish from the mirrors with every security update.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
# Dependencies first, so source edits do not reinstall (and recompile) them.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci
COPY tsconfig.json nest-cli.json ./
COPY src ./src
# Build, drop dev dependencies, and keep only the compiled addon of better-sqlite3: its sources,
# objects and test extension are about 25 MB that nothing loads at run time (`bindings` looks for
# build/Release/better_sqlite3.node).
RUN npm run build \
 && npm prune --omit=dev \
 && addon=node_modules/better-sqlite3 \
 && mv "$addon/build/Release/better_sqlite3.node" /tmp/better_sqlite3.node \
 && rm -rf "$addon/build" "$addon/deps" "$addon/src" \
 && mkdir -p "$addon/build/Release" \
 && mv /tmp/better_sqlite3.node "$addon/build/Release/better_sqlite3.node"

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
LABEL org.opencontainers.image.title="openregister-webhooks" \
      org.opencontainers.image.description="Receives OpenRegister and Nextcloud webhooks and runs handlers once per change" \
      org.opencontainers.image.licenses="EUPL-1.2"
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
# Application files stay owned by root: the service cannot rewrite its own code.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The only writable place the service needs; uid/gid 1000 is the image's `node` user. The operator
# CLI on PATH (`docker exec <container> openregister-webhooks check`, docs/cli.md): `npm run build`
# made dist/cli/main.js executable, and Node follows the link back to /app's package.json.
RUN mkdir -p /data && chown 1000:1000 /data && chmod 0750 /data \
 && ln -s /app/dist/cli/main.js /usr/local/bin/openregister-webhooks
VOLUME ["/data"]
USER 1000:1000
EXPOSE 3000
# Node handles SIGTERM itself (drain, then exit); say so explicitly for runtimes that read it.
STOPSIGNAL SIGTERM
# Kubernetes uses its own probes; this is for plain `docker run` and compose. No curl in the image,
# so Node's built-in fetch does the request.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The young generation at its full size from the start (V8 grows it from 1 MiB otherwise): fewer
# scavenges per delivery. Only a command-line flag: NODE_OPTIONS does not accept it (ADR 0007).
CMD ["node", "--min-semi-space-size=16", "dist/main.js"]
