# The production image: gunicorn serving the app, static files collected and served by
# WhiteNoise. The same image runs the Celery worker and beat (compose.yaml gives their commands).
# Build: docker build -t skills-tracker .

# Stage 1 builds the virtual environment; only the environment goes on to the runtime image,
# not pip's caches or any build tools a package needed.
FROM python:3.11-slim AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --requirement /tmp/requirements.txt

# Stage 2: the runtime. The code belongs to root and the server runs as "app", which can write
# nowhere but MEDIA_ROOT and /tmp: a compromised process cannot change the code it runs.
FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    MEDIA_ROOT=/data/media \
    PORT=8000
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app \
    && mkdir -p /data/media \
    && chown app:app /data/media
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY . /app
# Hashed, compressed static files at build time, so every container serves the same names. The
# key only lets settings load (DEBUG is off); it is not in the running image's environment.
RUN DEBUG=0 SECRET_KEY=collectstatic-at-build-time-only python manage.py collectstatic --noinput -v0
USER app
EXPOSE 8000
VOLUME ["/data/media"]
CMD ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi:application"]
