# The image of a PostgreSQL node on the docker runtime: the offline PostgreSQL image's files (the
# server programs, their libraries, sh, mkdir, rm, the postgres user owning /data) copied onto the
# runtime's offline base (iptables and ip: the runtime cuts links inside the containers). Built by
# the runtime's image builder; postgres-docker-launch.ts sets POSTGRES's default to the tag of
# the PostgreSQL image it made first (scripts/build-postgres-image.sh).
ARG POSTGRES=localhost/faultline-postgres:latest
ARG BASE=localhost/faultline-base:latest
FROM ${POSTGRES} AS postgres
FROM ${BASE}
COPY --from=postgres / /
USER postgres
WORKDIR /data
EXPOSE 5432
CMD ["postgres", "--version"]
