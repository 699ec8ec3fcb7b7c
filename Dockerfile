# Cruddur backend image. Targets: `prod` (default, last stage) and `dev` (skaffold dev: tsc --watch + node --watch).
# `make image` builds both, `make image-test` runs them (k8s/docker/).
# No `# syntax=` line: it makes BuildKit pull a frontend image first, which fails where no registry can be reached,
# and the frontend built into the engine (Docker 20.10 and later) handles everything used here (RUN --mount of a
# cache and a secret, COPY --chown/--from, ARG in FROM).
# Base pinned by version; pin the digest too (node:24.21.0-trixie-slim@sha256:...) where a registry is reachable.
ARG NODE_IMAGE=node:24.21.0-trixie-slim

# --- dependencies: every package, dev ones included (the build needs tsc) ---
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# A CA bundle the registry needs (a proxy's) comes in as a build secret: it is in no layer, ENV or ARG.
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    --mount=type=secret,id=npm-ca,target=/run/secrets/npm-ca.pem \
    if [ -s /run/secrets/npm-ca.pem ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm-ca.pem; fi; \
    npm ci --no-audit --no-fund

# --- dev: sources synced in by skaffold, rebuilt and restarted in place ---
FROM deps AS dev
# The node user (uid 1000) must own /app: skaffold sync writes service/src, tsc --watch writes dist/.
# node_modules stays as deps installed it, root-owned and read-only.
RUN chown node:node /app
COPY --chown=node:node package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY --chown=node:node service/src ./service/src
USER 1000:1000
ENV PORT=4567 LOG_FORMAT=pretty
EXPOSE 4567
CMD ["npm", "run", "dev"]

# --- build: compile TypeScript to dist/ ---
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY service/src ./service/src
RUN npm run build

# --- runtime dependencies only (a fresh install: npm prune would ask the registry about peer dependencies) ---
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    --mount=type=secret,id=npm-ca,target=/run/secrets/npm-ca.pem \
    if [ -s /run/secrets/npm-ca.pem ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm-ca.pem; fi; \
    npm ci --omit=dev --no-audit --no-fund \
 # Source maps, type declarations and docs of the packages: the runtime reads none of them (only the app's own maps).
 && find node_modules -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.[cm]ts' -o -name '*.md' \) -delete

# --- prod: what runs in the cluster ---
FROM ${NODE_IMAGE} AS prod
WORKDIR /app
ENV NODE_ENV=production PORT=4567
# Files stay root-owned and read-only for the runtime user: the app cannot rewrite its own code.
COPY --from=prod-deps /app/node_modules ./node_modules
# The service reads /app/package.json for its version.
COPY package.json ./
COPY --from=build /app/dist/src ./dist/src
# Definitions read by `node dist/src/observability/cli.js apply` (the chart's optional hook Job).
COPY service/observability ./service/observability
# Numeric user so Kubernetes can verify runAsNonRoot without looking up /etc/passwd (1000 = node).
USER 1000:1000
EXPOSE 4567
# Build metadata last: a new commit changes only these layers.
ARG GIT_SHA=
ARG VERSION=0.0.0
ARG SOURCE=https://github.com/cruddur/cruddur-backend
LABEL org.opencontainers.image.title="cruddur-backend" \
      org.opencontainers.image.description="Cruddur backend API (Koa + TypeScript)" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${GIT_SHA}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT"
ENV GIT_SHA=${GIT_SHA}
# node is PID 1 (no npm, no shell, no docker-entrypoint.sh): it receives SIGTERM and the service drains itself.
ENTRYPOINT []
CMD ["node", "dist/src/main.js"]
