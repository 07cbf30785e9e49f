#!/usr/bin/env bash
# Builds the services' images (-Pimages) into image tars with neither a Docker daemon nor a registry: Quarkus' Jib
# extension writes a local image only through `docker load`, so a stand-in `docker` keeps what it is given.
#   deploy/images/jib-to-tar.sh BASE.tar [OUT_DIR] [maven args...]
# BASE.tar: a base image in `docker save` form (docker save, skopeo copy ... docker-archive:BASE.tar), a JRE or the
# CUDA base; every service gets it (run once per base). OUT_DIR (default target/images) gets one tar per image,
# named after its tag (sdtune_gateway_0.1.0-SNAPSHOT.tar), ready for `docker load`, `podman load` or skopeo.
set -euo pipefail
base=$(realpath "$1"); out=$(realpath -m "${2:-target/images}"); shift $(( $# > 1 ? 2 : 1 ))
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
shim=$(mktemp -d); trap 'rm -rf "$shim"' EXIT
cat > "$shim/docker" <<SHIM
#!/bin/sh
case "\$1" in
  load) cat > "$shim/loaded-\$\$.tar"; echo "Loaded image";;
  info) echo '{"OSType":"linux","Architecture":"x86_64"}';;
  *) echo "jib-to-tar: docker \$* is not supported" >&2; exit 1;;
esac
SHIM
chmod +x "$shim/docker"
(cd "$root" && mvn -B -q package -DskipTests -Pimages -pl gateway,trainer-service,generator-service -am \
    -Dquarkus.jib.base-jvm-image="tar://$base" -Dquarkus.jib.docker-executable-name="$shim/docker" "$@")
for tar in "$shim"/loaded-*.tar; do
  tag=$(tar -xOf "$tar" manifest.json | sed 's/.*"RepoTags":\["\([^"]*\)".*/\1/')
  mv "$tar" "$out/$(echo "$tag" | tr '/:' '__').tar"
  echo "$tag: $out/$(echo "$tag" | tr '/:' '__').tar"
done
