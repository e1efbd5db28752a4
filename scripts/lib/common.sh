# Shared helpers for the scripts/ entry points. Source it; do not run it.
# ensure_packages: installs the Debian packages that are missing, with
# apt-get, non-interactively, and only when something is missing.

SIPSMITH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Packages every build needs: compiler and build tools, the libraries libsip
# links (Boost.Asio, OpenSSL), test and benchmark libraries, and the real
# peers the tests run (openssl for throwaway certificates; sipsak, baresip
# and linphonec for the softphones tests).
SIPSMITH_BUILD_PACKAGES=(
  g++ cmake ninja-build pkg-config
  libboost-dev libssl-dev openssl libc-ares-dev
  libcli11-dev nlohmann-json3-dev
  libsqlite3-dev libpq-dev postgresql libre2-dev liblua5.4-dev tzdata
  libgtest-dev libbenchmark-dev libosip2-dev
  sip-tester socat dnsmasq-base
  sipsak baresip-core linphone-cli
  libcpp-httplib-dev iproute2 nftables chromium
  ruby ruby-httpclient libjs-jquery
)

log() { printf '[sipsmith] %s\n' "$*" >&2; }

missing_packages() {
  local p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      printf '%s\n' "$p"
    fi
  done
}

ensure_packages() {
  local missing
  mapfile -t missing < <(missing_packages "$@")
  [ "${#missing[@]}" -eq 0 ] && return 0
  log "installing missing packages: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { log "need root or sudo to install ${missing[*]}"; return 2; }
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build_jobs() { nproc 2>/dev/null || echo 2; }
