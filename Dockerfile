# gobox itself as an image. It drives the HOST's engine through the mounted socket, so every
# path it hands the engine must be a host path: mount the project and the state dir at the
# same absolute paths they have on the host.
#
#   docker build -t gobox .
#   docker run --rm -it -v /var/run/docker.sock:/var/run/docker.sock \
#     -v /var/lib/gobox:/var/lib/gobox -v "$PWD:$PWD" -w "$PWD" \
#     -e SUDO_UID="$(id -u)" -e SUDO_GID="$(id -g)" gobox run go build ./...
#
# (SUDO_UID/SUDO_GID tell gobox, which runs as root in this container, whose sandbox to start.)

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --no-audit --no-fund
COPY src ./src
COPY scripts/*.mjs ./scripts/
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
# debootstrap lets `gobox image build --offline` work from inside the container too.
RUN apt-get update \
 && apt-get install -y --no-install-recommends debootstrap ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/gobox
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY profiles ./profiles
COPY images ./images
ENV GOBOX_STATE_DIR=/var/lib/gobox
# Each container is one gobox process: a background agent would die with it, so none is started.
ENV GOBOX_AGENT=off
ENTRYPOINT ["node", "/opt/gobox/dist/cli/bin.js"]
CMD ["--help"]
