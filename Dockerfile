# syntax=docker/dockerfile:1
# EduBot image for docker-compose.yml: one image, three commands (migrate, server, worker).
# glibc (Debian) base: the Temporal worker's native core-bridge has no musl (Alpine) build.
# Node 24, an LTS line supported until the end of April 2028 (Node 20's support ended in April 2026,
# Node 22's ends in April 2027), pinned to one release so that every rebuild gets the same Node. The
# tests run on Node 20, which the development machines and CI have: package.json's engines say >=20.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
# The one-machine tools the build compiles with the product (npm start's embedded defaults and sandbox,
# npm run cluster); the image runs none of them. The benchmark stays out.
COPY tools/embedded ./tools/embedded
COPY tools/sandbox ./tools/sandbox
COPY tools/cluster ./tools/cluster
# tsc -p tsconfig.build.json → dist/, the SQL migrations next to the compiled migrate.js, and the
# workflow bundle (dist/workflow-bundle.js) the worker loads instead of bundling at start.
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
# Two malloc arenas instead of glibc's 8 per core: the worker's native threads (Temporal's core, libuv,
# V8) otherwise fragment memory across arenas (BENCHMARKS.md: −40 MB of worker RSS at the same load).
ENV NODE_ENV=production MALLOC_ARENA_MAX=2
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
CMD ["node", "dist/src/bin/start-server.js"]
