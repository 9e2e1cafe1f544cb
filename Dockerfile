# AWS Lambda container image: Slack events (Bolt, lazy listeners) and the REST API (Mangum)
# share one image; bot.lambda_handler.handler dispatches by path.
FROM public.ecr.aws/lambda/python:3.11

ENV HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    MPLBACKEND=Agg \
    DATA_DIR=/tmp/data

COPY requirements.txt /tmp/requirements.txt
# Runtime packages only: everything above the "# Tests" line.
RUN sed '/^# Tests/,$d' /tmp/requirements.txt > /tmp/runtime.txt \
    && pip install --no-cache-dir -r /tmp/runtime.txt \
    && rm /tmp/requirements.txt /tmp/runtime.txt

# Optional: docling layout-model weights for the standard PDF pipeline cannot be downloaded at
# run time. To bake them in, add `COPY docling-artifacts/ /opt/docling-artifacts/` and
# `ENV DOCLING_ARTIFACTS_PATH=/opt/docling-artifacts`; without them PDFs use the model-free path.
COPY core/ ${LAMBDA_TASK_ROOT}/core/
COPY handlers/ ${LAMBDA_TASK_ROOT}/handlers/
COPY bot/ ${LAMBDA_TASK_ROOT}/bot/

CMD ["bot.lambda_handler.handler"]
