#!/bin/sh
# WebUiIT drives Debian's chromium through Debian's chromedriver (nothing is downloaded by Selenium).
# Run by the deploy module's pre-integration-test phase: does nothing when both are installed, else installs
# them with apt-get (through sudo when not root).
set -eu
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi
echo "install-chromium.sh: /usr/bin/chromium or /usr/bin/chromedriver is missing; installing Debian's chromium and chromium-driver"
if [ "$(id -u)" -eq 0 ]; then
    sudo=""
else
    sudo="sudo"
fi
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
