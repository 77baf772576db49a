# syntax=docker/dockerfile:1
# Parley's image: `docker build --build-arg GIT_SHA=$(git rev-parse HEAD) -t parley .`
# The build stage runs deploy/build-release.sh, the same script an install without Docker uses
# (and test/cli/packaging.test.ts runs); the runtime stage holds only its result.
# Node 22 LTS, pinned by major: minor and patch releases arrive with each rebuild.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles from source when its prebuilt binary cannot be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The commit shown in /health and the start-up line; .git is not sent to the builder.
ARG GIT_SHA=""
RUN --mount=type=cache,target=/root/.npm \
    GIT_SHA="${GIT_SHA}" deploy/build-release.sh /src /app

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    DATA_DIR=/data \
    PORT=8080
WORKDIR /app
# Owned by root: the server cannot change its own code.
COPY --from=build /app /app
# SQLite database and local files (DATA_DIR); unused with DATABASE_URL=postgres://… and
# FILE_STORAGE=s3, where the nodes keep nothing of their own.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
# The unprivileged account of the official Node image.
USER node
EXPOSE 8080
# Slim images have no curl: node itself asks /health (200 while the database answers).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "deploy/healthcheck.js"]
# Exec form: node is PID 1 and receives SIGTERM itself, for a graceful shutdown within
# SHUTDOWN_TIMEOUT (Docker's default 10 s stop timeout: raise it with --stop-timeout when
# SHUTDOWN_TIMEOUT is longer). Parley starts no child processes, so no init is needed to reap
# them; `docker run --init` (compose: `init: true`) adds one anyway.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/parley.js"]
CMD ["serve"]
