# advisories: threat-advisory alerts for councils. State and outbox live on the /data volume.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY advisories ./advisories
COPY templates ./templates
COPY rules ./rules
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin advisories \
    && mkdir -p /data /config && chown advisories /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
# The operator mounts feeds.toml (and inventories/, rules/) at /config; paths in it are
# relative to that file, so point state and outbox at /data with absolute paths there.
COPY feeds.toml /config/feeds.toml
ENV ADVISORIES_CONFIG=/config/feeds.toml \
    PYTHONUNBUFFERED=1
USER advisories
WORKDIR /data
VOLUME ["/data"]
ENTRYPOINT ["advisories"]
CMD ["serve"]
