# A container image holding only the static accord binary:
#
#   docker build -t accord .
#   docker run --rm -v "$PWD:/site" -u "$(id -u):$(id -g)" accord build --root /site
#
# Stage 1 compiles on Alpine, whose Rust targets musl and links statically; stage 2
# is empty but for the binary. The image has no shell and no git.
FROM rust:1-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin accord \
    && strip target/release/accord \
    && ! ldd target/release/accord 2>/dev/null

FROM scratch
COPY --from=build /src/target/release/accord /usr/local/bin/accord
COPY --from=build /tmp /tmp
WORKDIR /site
ENTRYPOINT ["/usr/local/bin/accord"]
CMD ["--help"]
