# jobs-gateway: the production image, and (target `simulator`) the upstream simulator that compose.yaml runs
# beside it. Stages: build the bundle with the dev tools; install only the runtime dependencies; the gateway
# image holds those and the gateway's bundle (no sources, no dev dependencies, no simulator, no npm
# lifecycle), runs as a non-root user, and `node` is PID 1 (exec-form CMD: SIGTERM/SIGINT reach it directly
# and start the graceful shutdown). Base images are pinned to exact tags (the Node version .ci/run tests).
FROM node:24.22.3-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
# dist/ holds the gateway and the simulator; gateway/dist the gateway alone (the simulator's code is all in
# dist/simulator/: chunks hold only code the gateway uses).
RUN npm run build && mkdir gateway && cp -r dist gateway/dist && rm -r gateway/dist/simulator

FROM node:24.22.3-slim AS runtime-deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts --no-audit && npm cache clean --force

# The simulator, for compose's demo stack only: `docker build --target simulator`.
FROM node:24.22.3-slim AS simulator
ENV NODE_ENV=production SIMULATOR_HOST=0.0.0.0 SIMULATOR_PORT=4010
WORKDIR /app
COPY --from=runtime-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
EXPOSE 4010
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.SIMULATOR_PORT || 4010) + '/_simulator/stats').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/simulator/main.mjs"]

# The gateway: the default target.
FROM node:24.22.3-slim AS gateway
ENV NODE_ENV=production PORT=4000 HOST=0.0.0.0
WORKDIR /app
COPY --from=runtime-deps /app/node_modules ./node_modules
COPY --from=build /app/gateway/dist ./dist
COPY package.json ./
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--max-semi-space-size=32", "dist/main.mjs"]
