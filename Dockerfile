# Tributary: build with the official Swift image, run on Debian slim with only the runtime libraries.
#   docker build -t tributary .
#   docker run -p 8080:8080 -v tributary-data:/data tributary
FROM swift:6.3-bookworm AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libcurl4-openssl-dev libxml2-dev libsqlite3-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
# Offline builds: when the build context carries a Swift package mirror in .swift-packages/
# (scripts/docker-check.sh makes one from the machine's local mirror), git reads github.com from it.
# A normal `docker build` on a machine with internet access has no such folder and fetches as usual.
COPY Package.swift .swift-packages* /mirror/
RUN if [ -d /mirror/apple ]; then git config --global url."/mirror/".insteadOf https://github.com/; fi
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Benchmarks ./Benchmarks
COPY Tests ./Tests
RUN swift build -c release --product tributary --static-swift-stdlib \
    && install -D .build/release/tributary /out/tributary

FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libcurl4 libxml2 libsqlite3-0 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 1000 --create-home --home-dir /home/tributary tributary \
    && mkdir -p /data /etc/tributary && chown tributary:tributary /data
COPY --from=build /out/tributary /usr/local/bin/tributary
COPY docker/feeds.yaml /etc/tributary/feeds.yaml
USER tributary
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=60s --timeout=5s --start-period=120s \
    CMD curl -fsS http://127.0.0.1:8080/healthz >/dev/null || exit 1
ENTRYPOINT ["tributary"]
CMD ["serve", "--config", "/etc/tributary/feeds.yaml"]
