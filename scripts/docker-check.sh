#!/usr/bin/env bash
# Builds and runs the real Dockerfile on this machine with podman and local stand-in base images
# (../shared/docker/docker_build_check.sh), giving the build a copy of the local Swift package
# mirror because the container cannot reach GitHub. Usage: scripts/docker-check.sh [extra args]
set -euo pipefail
cd "$(dirname "$0")/.."
mirror=${SWIFT_PACKAGE_MIRROR:-/opt/swift-packages}
if [ -d "$mirror" ]; then
    rm -rf .swift-packages
    cp -a "$mirror" .swift-packages
fi
trap 'rm -rf .swift-packages' EXIT
../shared/docker/docker_build_check.sh "$PWD" "$@"
