# syntax=docker/dockerfile:1
# Herald: a multi-stage build. The runtime image holds one static-ish binary on distroless (glibc,
# no shell, no package manager), runs as a non-root user, and needs no OpenSSL (rustls) and no
# system fonts (charts use a font compiled into the binary).
#
#   docker build -t herald .
#   docker run --rm -e HERALD_TELEGRAM_TOKEN=... -e HERALD_DATABASE_URL=postgres://... herald

FROM rust:1.94-bookworm AS build
WORKDIR /src
COPY . .
# BuildKit caches the registry and the target directory between builds, so a source change does
# not rebuild every dependency.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin herald \
    && cp target/release/herald /herald

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /herald /usr/local/bin/herald
# distroless' "nonroot" user; numeric so Kubernetes can verify runAsNonRoot.
USER 65532:65532
ENV HERALD_LISTEN=0.0.0.0:8080 \
    HERALD_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/herald"]
CMD ["serve"]
