# syntax=docker/dockerfile:1
# Build: the official Deno image compiles nightpull into one executable.
FROM denoland/deno:2.9.6 AS build
WORKDIR /src
COPY deno.json deno.lock ./
COPY main.ts ./
COPY src ./src
RUN deno install && deno task compile

# Run: a slim base with only the binary, as a non-root user, state on a volume.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data nightpull \
    && mkdir -p /data && chown nightpull /data
COPY --from=build /src/dist/nightpull /usr/local/bin/nightpull
USER nightpull
ENV NIGHTPULL_DATA=/data NIGHTPULL_KV=/data/nightpull.kv HF_HOME=/data/huggingface
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
# exec form: SIGTERM reaches nightpull directly, which shuts down gracefully.
ENTRYPOINT ["/usr/local/bin/nightpull"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
