# syntax=docker/dockerfile:1.7
# DocBot's image: AWS Lambda (Python 3.12 on Amazon Linux 2023) by default, `--target serve` for
# `python -m bot serve` anywhere else. README "Packaging" explains each choice.
#
#   docker build -t docbot .                                         # Lambda, linux/amd64
#   docker build --build-arg PLATFORM=linux/arm64 -t docbot .        # Lambda on Graviton
#   docker build --target serve -t docbot-serve .                    # self-hosted HTTP on :3000
#   docker build --build-arg DOCLING_ARTIFACTS=docling-artifacts .   # bake docling layout weights
ARG PLATFORM=linux/amd64
ARG PYTHON_VERSION=3.12
ARG UV_VERSION=0.13.10

# hadolint ignore=DL3029
FROM --platform=${PLATFORM} ghcr.io/astral-sh/uv:${UV_VERSION} AS uv

# --- dependencies: one layer, rebuilt only when requirements.txt (or the lock) changes ----------
# The platform is pinned on purpose (DL3029): an image built on an arm64 laptop must still run on
# an x86_64 function; PLATFORM=linux/arm64 (with LAMBDA_ARCHITECTURE=arm64) for Graviton.
# hadolint ignore=DL3029
FROM --platform=${PLATFORM} public.ecr.aws/lambda/python:${PYTHON_VERSION} AS deps
ARG DOCLING_ARTIFACTS=""
COPY --from=uv /uv /usr/local/bin/uv
# Byte-compiled at build time: Lambda's disk is read-only, so nothing could be cached later.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never
WORKDIR /build
# requirements.txt is the deployment contract: the runtime set exported from uv.lock, with hashes.
COPY requirements.txt pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv pip install --python /var/lang/bin/python3 --target /opt/deps --require-hashes --no-deps -r requirements.txt
# Optional: docling's layout-model PDF pipeline (torch and friends from the lock) and its weights,
# copied from a folder in the build context; without it PDFs take the model-free path.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=.,target=/context \
    mkdir -p /opt/docling-artifacts \
    && if [ -n "${DOCLING_ARTIFACTS}" ]; then \
        uv export --frozen --no-dev --extra llm --extra pinecone --extra docling-layout -o /tmp/layout.txt \
        && uv pip install --python /var/lang/bin/python3 --target /opt/deps --require-hashes --no-deps \
            -r /tmp/layout.txt \
        && cp -r "/context/${DOCLING_ARTIFACTS}/." /opt/docling-artifacts/; \
    fi

# --- what runs: the packages, then the code (never the emulator, tests or dev tools) ------------
# hadolint ignore=DL3029
FROM --platform=${PLATFORM} public.ecr.aws/lambda/python:${PYTHON_VERSION} AS runtime
ARG DOCLING_ARTIFACTS=""
ENV DATA_DIR=/tmp/data \
    MPLBACKEND=Agg \
    MPLCONFIGDIR=/tmp/matplotlib \
    MPLCONFIGDIR_SEED=/opt/matplotlib \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    DOCLING_ARTIFACTS_PATH=${DOCLING_ARTIFACTS:+/opt/docling-artifacts}
COPY --from=deps /opt/deps ${LAMBDA_TASK_ROOT}
COPY --from=deps /opt/docling-artifacts /opt/docling-artifacts
# matplotlib's font list, built once here; the handler copies it to MPLCONFIGDIR under /tmp.
WORKDIR ${LAMBDA_TASK_ROOT}
RUN MPLCONFIGDIR=/opt/matplotlib python3 -c "import matplotlib.font_manager" \
    && chmod -R a+rX /opt/matplotlib
COPY core/ ${LAMBDA_TASK_ROOT}/core/
COPY handlers/ ${LAMBDA_TASK_ROOT}/handlers/
COPY bot/ ${LAMBDA_TASK_ROOT}/bot/
RUN python3 -m compileall -q core handlers bot

# --- self-hosting: the same code over HTTP (POST /slack/events, GET /healthz) ------------------
FROM runtime AS serve
ENV DATA_DIR=/data \
    PYTHONPATH=/var/task
# Outside Lambda /tmp is the image's own: the font cache can sit there already, writable.
RUN mkdir -p /data && cp -r /opt/matplotlib /tmp/matplotlib && chown -R 1000:1000 /data /tmp/matplotlib
VOLUME ["/data"]
USER 1000:1000
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]
ENTRYPOINT ["python3", "-m", "bot"]
CMD ["serve", "--host", "0.0.0.0", "--port", "3000"]

# --- AWS Lambda (the default target) ------------------------------------------------------------
FROM runtime AS lambda
CMD ["bot.lambda_handler.handler"]
