# wfgen-scim-proxy as a sidecar container, one per WorkflowGen instance.
#
#   docker build -t wfgen-scim .
#   docker build --build-arg BASE_IMAGE=my-registry/python:3.12-slim -t wfgen-scim .
#   docker run -v /srv/wfgen-scim:/etc/wfgen-scim:ro -p 8080:8080 wfgen-scim
#
# The config file is mounted at /etc/wfgen-scim/instance.toml; secrets come from files
# (token_file, password_file, ... e.g. Docker/Kubernetes secrets under /run/secrets) or
# from WFGEN_SCIM__<SECTION>__<KEY> environment variables. See README.md.

# Any Debian-based Python 3.11+ image works, including one built locally where no
# container registry is reachable.
ARG BASE_IMAGE=python:3.12-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /build
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m venv /opt/wfgen-scim \
    && /opt/wfgen-scim/bin/pip install --no-cache-dir --disable-pip-version-check .

FROM ${BASE_IMAGE}
RUN groupadd --system --gid 10001 wfgen-scim \
    && useradd --system --uid 10001 --gid wfgen-scim --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin wfgen-scim
COPY --from=build /opt/wfgen-scim /opt/wfgen-scim
ENV PATH=/opt/wfgen-scim/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    WFGEN_SCIM_HEALTH_PORT=8080
VOLUME ["/etc/wfgen-scim"]
EXPOSE 8080
USER 10001:10001
# Liveness of the SCIM server itself; set WFGEN_SCIM_HEALTH_PORT if scim.port is not 8080.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['WFGEN_SCIM_HEALTH_PORT'], timeout=4)"
ENTRYPOINT ["wfgen-scim"]
CMD ["serve", "--config", "/etc/wfgen-scim/instance.toml"]
