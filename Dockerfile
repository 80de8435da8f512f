# syntax=docker/dockerfile:1
# Build: the official Deno image compiles nightpull into one executable. `deno compile`
# downloads Deno's `denort` runtime here (or takes DENORT_BIN when set).
FROM denoland/deno:2.9.6 AS build
WORKDIR /src
COPY deno.json deno.lock ./
COPY main.ts ./
COPY src ./src
RUN deno install && deno task compile

# Run: a slim base with only the binary (and curl for the health check), as a non-root user,
# with every bit of state on the /data volume.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data nightpull \
    && mkdir -p /data && chown nightpull /data
COPY --from=build /src/dist/nightpull /usr/local/bin/nightpull
USER nightpull
# The KV path is explicit; the HF cache lives on the volume too. A container listens beyond
# loopback, so serve refuses to start without NIGHTPULL_TOKEN (or NIGHTPULL_TOKEN_FILE, e.g.
# a Docker secret) unless NIGHTPULL_INSECURE_NO_AUTH=1 says the network is trusted.
ENV NIGHTPULL_DATA=/data \
    NIGHTPULL_KV=/data/nightpull.kv \
    HF_HOME=/data/huggingface \
    NIGHTPULL_HOST=0.0.0.0 \
    NIGHTPULL_PORT=8080 \
    NIGHTPULL_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${NIGHTPULL_PORT}/healthz" || exit 1
# Exec form: nightpull is PID 1 and gets SIGTERM from `docker stop` directly; it stops
# accepting, ends event streams, interrupts transfers (their .part files stay for resume) and
# closes the KV before the stop timeout.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/nightpull"]
CMD ["serve"]
