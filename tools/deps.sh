#!/usr/bin/env bash
# tools/deps.sh: install the Debian 12 packages pulsecompat needs to build, run and test.
# As root it runs apt-get; otherwise it lists what is missing and how to install it.
# Usage: tools/deps.sh [build|test]
set -euo pipefail

mode=${1:-build}
build_pkgs=(meson ninja-build gcc pkg-config libsystemd-dev libasound2-dev libsbc-dev
            libspeexdsp-dev check)
test_pkgs=(libpulse-dev pulseaudio pulseaudio-utils gstreamer1.0-tools gstreamer1.0-pulseaudio
           gstreamer1.0-plugins-base gstreamer1.0-plugins-good alsa-utils libasound2-plugins
           sox clang libclang-rt-14-dev python3 python3-dbus python3-dbusmock python3-gi
           dbus-daemon dbus-bin libglib2.0-bin sbc-tools rtkit systemd util-linux)

pkgs=("${build_pkgs[@]}")
[ "$mode" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
        echo "pulsecompat: missing Debian packages: ${missing[*]}" >&2
        echo "install them with: sudo apt-get install ${missing[*]}" >&2
        exit 1
fi
echo "pulsecompat: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's pulseaudio package may start a per-user daemon through socket
# activation in a desktop session; tests never rely on it (private runtime dirs).
