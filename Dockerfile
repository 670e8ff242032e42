# syntax=docker/dockerfile:1.7
# Toolkit image: the data scripts (db:audit, db:copy, db:verify, db:rollback, ...) compiled to
# JavaScript, run by the migration runner (stacks/migration-runner.ts) inside the VPC.
#   docker build --build-arg RDS_CA_SHA256=<sha256 of global-bundle.pem> -t toolkit .
#   docker run --rm toolkit db:verify --help
# See docs/runner.md.

# node:20-bookworm-slim pinned by digest: the multi-platform index documented in
# docker-library/repo-info (repos/node/remote/20-bookworm-slim.md), Node 20.19.6, built 2025-12-30.
# Bump deliberately: change the digest and the Node version line together.
ARG NODE_IMAGE=node:20-bookworm-slim@sha256:580bf06e6702f536cc9fc4c9e7c8a58154e192c0f8d5913adef53fe8b8ece902

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json main.ts ./
COPY stacks ./stacks
COPY scripts ./scripts
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# The RDS CA bundle, fetched from AWS's documented URL at build time and checked against
# RDS_CA_SHA256 (a CI variable you pin once; the build stops when it is unset or differs).
FROM ${NODE_IMAGE} AS certs
ARG RDS_CA_SHA256
ADD --chmod=644 https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /certs/rds-global-bundle.pem
RUN test -n "${RDS_CA_SHA256}" || { echo "set --build-arg RDS_CA_SHA256 (sha256 of global-bundle.pem)" >&2; exit 1; } \
 && echo "${RDS_CA_SHA256}  /certs/rds-global-bundle.pem" | sha256sum -c -

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PGSSLROOTCERT=/app/certs/rds-global-bundle.pem
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=certs /certs/rds-global-bundle.pem ./certs/rds-global-bundle.pem
COPY package.json ./
# The base image's unprivileged user (uid 1000); nothing in /app is writable by it.
USER node
ENTRYPOINT ["node", "/app/dist/scripts/toolkit.js"]
CMD ["--help"]
