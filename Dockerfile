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
# A working default /config: the shipped feeds.toml, rules and templates, the example council,
# with state, outbox and bulletins moved to the /data volume. Operators mount their own /config
# (paths in feeds.toml resolve against its folder; keep state and outbox under /data).
COPY feeds.toml /config/feeds.toml
COPY rules /config/rules
COPY templates /config/templates
COPY examples/demo/inventories /config/examples/demo/inventories
RUN sed -i -e 's#^state = .*#state = "/data/state.sqlite3"#' \
           -e 's#^outbox = .*#outbox = "/data/outbox"#' \
           -e 's#^bulletins = .*#bulletins = "/data/bulletins"#' /config/feeds.toml
ENV ADVISORIES_CONFIG=/config/feeds.toml \
    PYTHONUNBUFFERED=1
USER advisories
WORKDIR /data
VOLUME ["/data"]
# Unhealthy when a feed or stage has not worked for [operator] silent_after, or messages wait on
# the operator (`advisories status` only reads the state: no lock, no credentials).
HEALTHCHECK --interval=5m --timeout=30s --start-period=15m --retries=1 CMD ["advisories", "status"]
ENTRYPOINT ["advisories"]
CMD ["serve"]
