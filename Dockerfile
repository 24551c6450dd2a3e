# The cloud service image (used by docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY agrisafe ./agrisafe
COPY cloud ./cloud
RUN pip install --no-cache-dir ".[cloud]"
ENV AGRISAFE_DATA_DIR=/data AGRISAFE_HTTP_HOST=0.0.0.0
VOLUME ["/data"]
EXPOSE 8000
CMD ["agrisafe", "cloud", "serve"]
