# PeerPulse container image: `docker build -t peerpulse .`
# Runs `python -m bot run` as an unprivileged user; settings come from the environment (or an
# env file passed with --env-file); the SQLite default lives in /data (mount a volume there).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /data --create-home peerpulse
COPY --from=build /install /usr/local
ENV PYTHONUNBUFFERED=1 \
    PORT=3000 \
    DATABASE_URL=sqlite:////data/peerpulse.db
WORKDIR /data
VOLUME ["/data"]
USER peerpulse
EXPOSE 3000
# Liveness only (no details without HEALTH_TOKEN); orchestrators should gate traffic on /readyz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '3000')}/healthz\", timeout=4)"]
# SIGTERM (docker stop) finishes or safely abandons sends within 10 s; docker waits 10 s by default,
# so compose sets stop_grace_period above that.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot", "run"]
