# syntax=docker/dockerfile:1
# Vitrine container image: `docker build -t vitrine .` (see docs/deploy.md).
# With no configuration it runs a whole site on SQLite and local files in /var/lib/vitrine;
# VITRINE_* variables (or a vitrine.toml mounted and named by VITRINE_CONFIG) configure it.

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# The caches keep downloaded crates and compiled dependencies between builds; the binary is
# copied out because cache mounts are not part of the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git/db \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p vitrine-server \
 && install -D -m 0755 target/release/vitrine /out/vitrine

FROM debian:bookworm-slim
# ca-certificates: TLS to S3, PostgreSQL and URL uploads. ffmpeg and libheif-examples
# (heif-convert, for HEIC and AVIF): Vitrine runs them as child processes with a deadline
# (DESIGN.md), never in-process. curl: the HEALTHCHECK below.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl ffmpeg libheif-examples \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 vitrine \
 && useradd --system --uid 10001 --gid vitrine --home-dir /var/lib/vitrine \
        --no-create-home --shell /usr/sbin/nologin vitrine \
 && install -d -o vitrine -g vitrine -m 0750 /var/lib/vitrine
COPY --from=build /out/vitrine /usr/local/bin/vitrine

ENV VITRINE_DATA_DIR=/var/lib/vitrine \
    VITRINE_BIND=0.0.0.0:8080 \
    MALLOC_ARENA_MAX=2
WORKDIR /var/lib/vitrine
USER 10001:10001
# SQLite database and media (single container); upload temp files (every container).
VOLUME ["/var/lib/vitrine"]
EXPOSE 8080
# Liveness only, on the port of VITRINE_BIND above; change both together. `vitrine worker`
# serves no HTTP: disable the check for worker containers.
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["vitrine"]
CMD ["serve"]
