# One recipe for every Fig service (ADR 0101):
#   docker build --build-arg APP=gateway -t fig-gateway .
# Builds with the whole workspace, ships only the service's bundle and its
# production dependencies on a distroless Node runtime: no shell, no package
# manager, non-root.
ARG NODE_VERSION=24
# The base images are arguments so that a machine without registry access can
# build with local stand-ins (tools/delivery/standins.sh, ADR 0112); the
# defaults are the real images.
ARG BUILD_IMAGE=node:${NODE_VERSION}-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs${NODE_VERSION}-debian12:nonroot

# Only the package manifests and the lockfile, so that the `npm ci` layer below
# is rebuilt when dependencies change, not on every source edit.
FROM ${BUILD_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json -delete \
 && find . -type d -empty -delete

# The workspace with its dependencies installed. Nothing here depends on APP,
# so every service's build shares these layers: `npm ci` runs once per
# lockfile, not once per service.
FROM ${BUILD_IMAGE} AS workspace
WORKDIR /workspace
ENV NX_DAEMON=false NX_NO_CLOUD=true NX_SKIP_NX_CACHE=true
COPY --from=manifests /src ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY . .

FROM workspace AS build
ARG APP
RUN test -n "$APP" || { echo 'build with --build-arg APP=<service>' >&2; exit 1; }
# The app's own build target (dist/apps/$APP: main.js, instrument.js, package.json).
RUN npx nx run "$APP:build" --outputStyle=static

# Production dependencies of the bundle only. The workspace lockfile is the
# starting point, so every transitive version is the one the tests ran with;
# npm prunes whatever the bundle's package.json does not need. Type
# declarations, TypeScript sources, source maps and docs are then deleted: about
# half of node_modules, and dead weight at run time.
FROM build AS runtime-deps
ARG APP
WORKDIR /app
RUN cp -r "/workspace/dist/apps/$APP/." . \
 && cp /workspace/package-lock.json . \
 && npm install --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm package-lock.json \
 && find node_modules -type f \( -name '*.map' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.md' \) -delete

FROM ${RUNTIME_IMAGE}
ARG APP
ARG RUNTIME_IMAGE
ARG VERSION=dev
LABEL org.opencontainers.image.title="fig-${APP}" \
      org.opencontainers.image.description="Fig ${APP}: a strangler-fig migration from monolith to microservices" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}"
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and only readable by the service: it cannot rewrite its own code.
COPY --from=runtime-deps /app ./
# The distroless image's own non-root user (65532); Kubernetes enforces it too.
USER 65532:65532
# The image's ENTRYPOINT is node. The OpenTelemetry bootstrap must load before
# the app; it also maps the bundle's stack traces back to TypeScript lines, on
# the first stack, where --enable-source-maps parsed every package's map at load
# (ADR 0019). Semi-spaces
# of 2 MiB keep start-up garbage from growing the young generation to the
# 32-64 MiB an idle service then holds (ADR 0018); the start-up benchmark
# starts every service with these options.
CMD ["--max-semi-space-size=2", "--import", "./instrument.js", "main.js"]
