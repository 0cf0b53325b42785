# Shared by deploy/run and deploy/test: install what a fresh Debian machine lacks.
# Sourced, not run.

tidende_install_deps() {
    local need=()
    dpkg -s zlib1g-dev >/dev/null 2>&1 || need+=(zlib1g-dev)
    dpkg -s libsqlite3-dev >/dev/null 2>&1 || need+=(libsqlite3-dev)
    dpkg -s libzstd-dev >/dev/null 2>&1 || need+=(libzstd-dev)
    command -v nc >/dev/null 2>&1 || need+=(netcat-openbsd)
    command -v python3 >/dev/null 2>&1 || need+=(python3)
    if [ ${#need[@]} -gt 0 ]; then
        if [ "$(id -u)" = 0 ]; then
            echo "installing: ${need[*]}" >&2
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
        else
            echo "missing Debian packages: ${need[*]} (run as root, or: sudo apt-get install ${need[*]})" >&2
            return 1
        fi
    fi
    command -v swift >/dev/null 2>&1 || { echo "swift is not on PATH (expected /opt/swift/usr/bin)" >&2; return 1; }
}

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH=/opt/swift/usr/bin:$PATH
fi
