# wfgen-scim-proxy as a container beside one WorkflowGen instance. README.md ("Running it as
# a container") gives the commands; scripts/container-test builds and drives this file in CI.
#
# Config: /etc/wfgen-scim/instance.toml. Secrets: files (token_file, password_file, ...,
# e.g. /run/secrets/*), readable by uid 10001, or WFGEN_SCIM__<SECTION>__<KEY> variables.

# Any Debian-based image with Python 3.11+ (python3 and its venv module) works, including
# one made locally where no container registry is reachable (scripts/container-test makes
# one with debootstrap).
ARG BASE_IMAGE=python:3.12-slim

FROM ${BASE_IMAGE} AS build
# Where pip downloads from, for a mirror or a proxy of PyPI. Build args and the CA secret
# below exist in this stage only: the final image copies nothing but the virtualenv.
ARG PIP_INDEX_URL=https://pypi.org/simple
WORKDIR /build
COPY pyproject.toml README.md constraints.txt ./
COPY src ./src
# Optional build secret "pip_ca": a CA bundle for pip (a TLS-intercepting proxy or mirror),
# e.g. --secret id=pip_ca,src=/etc/ssl/certs/ca-certificates.crt.
# constraints.txt pins every package, the build backend included (reproducible image).
RUN --mount=type=secret,id=pip_ca \
    if [ -s /run/secrets/pip_ca ]; then export PIP_CERT=/run/secrets/pip_ca; fi \
    && python3 -m venv /opt/wfgen-scim \
    && PIP_CONSTRAINT=/build/constraints.txt /opt/wfgen-scim/bin/pip install \
       --no-cache-dir --disable-pip-version-check --index-url "$PIP_INDEX_URL" . \
    && /opt/wfgen-scim/bin/pip uninstall --yes --disable-pip-version-check pip setuptools

FROM ${BASE_IMAGE}
RUN groupadd --system --gid 10001 wfgen-scim \
    && useradd --system --uid 10001 --gid wfgen-scim --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin wfgen-scim
COPY --from=build /opt/wfgen-scim /opt/wfgen-scim
ENV PATH=/opt/wfgen-scim/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    WFGEN_SCIM_HEALTH_PORT=8080
# SCIM, and Prometheus metrics ([metrics] in the config).
EXPOSE 8080 9464
USER 10001:10001
# Liveness of the SCIM server; set WFGEN_SCIM_HEALTH_PORT if scim.port is not 8080.
# OCI-format builds (podman's and buildah's default) drop HEALTHCHECK: build with
# --format docker, or give the same command to `run --health-cmd` (README.md).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['WFGEN_SCIM_HEALTH_PORT'], timeout=4)"]
ENTRYPOINT ["wfgen-scim"]
CMD ["serve", "--config", "/etc/wfgen-scim/instance.toml"]
