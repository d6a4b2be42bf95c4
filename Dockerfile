# Tessera as a service: the compiled server behind `tessera serve`, node as PID 1 so SIGTERM
# (docker stop) reaches it and it drains within SHUTDOWN_TIMEOUT_MS before exiting.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# onnxruntime-node's install script would download CUDA libraries; npm 11's allowScripts in
# package.json skips it, but the npm bundled with Node 20 does not read allowScripts.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY . .
RUN npm ci --no-audit --no-fund \
 && npm run build \
 && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 DATA_DIR=/app/data DATABASE_URL=file:/app/data/tessera.db
COPY --from=build /app /app
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME /app/data
EXPOSE 4000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4000/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/tessera.mjs", "serve"]
