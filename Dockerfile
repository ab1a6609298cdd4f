# syntax=docker/dockerfile:1
# dcagent container: build stage compiles TypeScript; the runtime stage has production deps only
# and runs as the unprivileged `node` user. Mount the config at /etc/dcagent/agent.yaml.
# Node 22 (the current LTS; Node 20's upstream support ended in April 2026). package.json's
# `engines` stays >=20.19: the code runs on both, and the test machines run Node 20.

FROM node:22-bookworm-slim AS build
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
COPY tools ./tools
COPY console ./console
RUN npm run build

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DCAGENT_CONFIG=/etc/dcagent/agent.yaml
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would try to compile, and the optional native accelerators are not needed.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /src/dist ./dist
# Executable whatever the build context's modes: the entrypoint runs the launcher itself.
COPY --chmod=0755 bin ./bin
# The console's browser files are served as they are (dist/ holds only the compiled server).
COPY console/public ./console/public
# Both folders exist in the image and belong to `node`, so a named volume mounted on them starts
# out owned by `node` (Docker copies the mount point's owner into a new volume): the lab, running
# as `node`, can write its config into /etc/dcagent, and the agent its spill file.
# /var/lib/dcagent is the working directory, so the default events.spillFile
# (var/outbox-spill.jsonl) lands there: mount a volume on it to keep the spill across a
# recreated container (docker-compose.yml does).
RUN mkdir -p /etc/dcagent /var/lib/dcagent/var && chown -R node:node /etc/dcagent /var/lib/dcagent
WORKDIR /var/lib/dcagent
USER node
# The default agent.httpPort; set agent.httpHost to 0.0.0.0 (`dcagent lab --agent-http-host`)
# so Prometheus can scrape from outside the container.
EXPOSE 9464
# Probes /healthz where the config says the agent listens (agent.httpHost/httpPort, DCAGENT_HTTP_PORT).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "/app/bin/dcagent-healthcheck.js"]
# The launcher itself, so its first line's node options apply (decision 0013).
ENTRYPOINT ["/app/bin/dcagent.js"]
CMD ["run"]
