# gitlab-scim-bridge container image.
#   docker build -t gitlab-scim-bridge .
#   docker run -p 8080:8080 -v gsb-data:/data gitlab-scim-bridge                  # embedded PGlite in /data
#   docker run -p 8080:8080 -e DATABASE_URL=postgres://… gitlab-scim-bridge        # PostgreSQL
#   docker exec <container> node dist/src/cli/main.js connection create --name entra --idp entra
# The server applies pending migrations itself on start (prisma/migrations, recorded in _prisma_migrations).

# ---- build: all dependencies, Prisma client generation, TypeScript compilation ----------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV CI=true NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY src ./src
COPY tools ./tools
COPY bench ./bench
RUN npm run build

# ---- runtime: production dependencies, compiled code, migrations; runs as the unprivileged `node` user --
FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false \
    PORT=8080 \
    HOST=0.0.0.0 \
    DATA_DIR=/data
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY prisma/migrations ./prisma/migrations
# 0700: a new named volume copies this mode; the server narrows an existing /data to 0700 anyway
# and keeps every file in it owner-only (umask 077; src/runtime/private-files.ts).
RUN mkdir -p /data && chown node:node /data && chmod 0700 /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# No curl in slim images: node itself asks /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 and handles SIGTERM itself: in-flight requests finish, then it exits 0.
# Node options as `npm start` gives them (src/runtime/heap-policy.ts says why).
CMD ["node", "--v8-pool-size=1", "--max-semi-space-size=4", "dist/src/main.js"]
