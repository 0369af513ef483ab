# syntax=docker/dockerfile:1
#
# archcheck: the admission webhook (default entrypoint) and the kubectl plugin, for linux/amd64 and linux/arm64.
#
#   docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/archcheck:TAG --push .
#
# Every dependency is pure JavaScript (no native addons in the production tree), so the build stages run on the
# builder's own platform ($BUILDPLATFORM, no QEMU emulation) and only the final stage is per target platform.
# The runtime is distroless Node.js 20: no shell, no package manager, uid/gid 65532 (matches the Helm chart's
# securityContext). To run the plugin from the image:
#   docker run --rm --entrypoint /nodejs/bin/node IMAGE dist/plugin/main.js image nginx:1.27

ARG NODE_VERSION=20

# --- build: all dependencies, compile TypeScript to dist/ ------------------------------------------------------------
FROM --platform=$BUILDPLATFORM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the "prepare" script would compile before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY core ./core
COPY webhook ./webhook
COPY plugin ./plugin
RUN npx tsc -p tsconfig.build.json

# --- deps: production dependencies only ----------------------------------------------------------------------------
FROM --platform=$BUILDPLATFORM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: "prepare" needs TypeScript, a dev dependency; the compiled output comes from the build stage.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime --------------------------------------------------------------------------------------------------------
FROM gcr.io/distroless/nodejs${NODE_VERSION}-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
USER 65532:65532
EXPOSE 8443
# The chart adds: --config /etc/archcheck/config.yaml
ENTRYPOINT ["/nodejs/bin/node", "dist/webhook/main.js"]
