# syntax=docker/dockerfile:1
# dcagent container: build stage compiles TypeScript; the runtime stage has production deps only
# and runs as the unprivileged `node` user. Mount the config at /etc/dcagent/agent.yaml.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Install scripts are skipped here: prepare needs the sources, copied below.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY agent ./agent
COPY config ./config
COPY contract ./contract
COPY core ./core
COPY drivers ./drivers
COPY jobs ./jobs
COPY lab ./lab
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DCAGENT_CONFIG=/etc/dcagent/agent.yaml
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would try to compile, and the optional native accelerators are not needed.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY bin ./bin
# The outbox spill file lives in the working directory of the process (events.spillFile).
RUN mkdir -p /var/lib/dcagent/var && chown -R node:node /var/lib/dcagent
WORKDIR /var/lib/dcagent
USER node
EXPOSE 9464
# Set agent.httpHost to 0.0.0.0 in the mounted config so Prometheus can scrape from outside.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/dcagent.js"]
CMD ["run"]
