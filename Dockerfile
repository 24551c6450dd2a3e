# The cloud image (docker-compose.yml: cloud, provision and the site gateway); runs as an unprivileged user.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY agrisafe ./agrisafe
COPY cloud ./cloud
COPY gateway ./gateway
RUN pip install --no-cache-dir ".[cloud,gateway]" \
    && groupadd --system --gid 10001 agrisafe \
    && useradd --system --uid 10001 --gid agrisafe --home-dir /data --shell /usr/sbin/nologin agrisafe \
    && mkdir -p /data /etc/agrisafe/trust \
    && chown agrisafe:agrisafe /data /etc/agrisafe/trust && chmod 0700 /data /etc/agrisafe/trust
ENV AGRISAFE_DATA_DIR=/data AGRISAFE_HTTP_HOST=0.0.0.0
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000
CMD ["agrisafe", "cloud", "serve"]
