# syntax=docker/dockerfile:1
# The edgeplane image: `edgeplane serve` by default (the Helm chart's service mode), `edgeplane agent` at edges.
#   docker build -t ghcr.io/edgeplane/edgeplane:0.1.0 .

ARG NODE_VERSION=20

# Build: compile TypeScript with the dev dependencies, then keep only the runtime ones.
FROM node:${NODE_VERSION}-alpine AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
# Only the product is compiled: not the tests beside it, nor test/ and bench/.
RUN printf '{"extends":"./tsconfig.json","include":["src/**/*.ts"],"exclude":["src/**/*.test.ts"]}' > tsconfig.image.json \
 && npx tsc -p tsconfig.image.json \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# Run: Node, git (edgeplane pushes and fetches with the git binary) and tini (signals, child reaping).
FROM node:${NODE_VERSION}-alpine
RUN apk add --no-cache git tini ca-certificates \
 && addgroup -S -g 10001 edgeplane \
 && adduser -S -D -H -u 10001 -G edgeplane -h /tmp edgeplane \
 && mkdir -p /var/cache/edgeplane \
 && chown edgeplane:edgeplane /var/cache/edgeplane
WORKDIR /app
ENV NODE_ENV=production \
    HOME=/tmp \
    EDGEPLANE_HOST=0.0.0.0 \
    EDGEPLANE_CACHE_DIR=/var/cache/edgeplane/repos
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY package.json ./
COPY bin ./bin
COPY schemas ./schemas
COPY templates ./templates
COPY fixtures ./fixtures
USER 10001:10001
EXPOSE 8080
VOLUME ["/var/cache/edgeplane"]
ENTRYPOINT ["/sbin/tini", "--", "node", "/app/bin/edgeplane.js"]
CMD ["serve"]
