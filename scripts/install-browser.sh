#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when it is missing and we may install packages.
# Playwright's own browser download cannot work offline; the tests drive /usr/bin/chromium.
set -u
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: could not install chromium; the browser tests will be skipped" >&2
else
  echo "note: /usr/bin/chromium is missing and cannot be installed here; the browser tests will be skipped" >&2
fi
exit 0
