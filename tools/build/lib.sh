#!/usr/bin/env bash
# Shared helpers for tools/build/*.sh: the version-keyed binary cache, one lock per component,
# progress lines, atomic installs. Source it; it defines functions and sets no traps of its own.
#
#   CACHE layout: ${MESHD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meshd}/<component>/<version>/
#   Each finished directory holds the binaries and a .stamp (hash of the recipe that built them).
#   A directory appears only complete: builds go to a temp dir beside it and are renamed into place.

MESHD_TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Root of the binary cache (no trailing slash).
meshd_cache_root() {
  printf '%s\n' "${MESHD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meshd}"
}

# log COMPONENT MESSAGE...: one readable progress line on stderr.
meshd_log() {
  local component="$1"; shift
  printf '[build %s %s] %s\n' "$component" "$(date +%H:%M:%S)" "$*" >&2
}

# Fails with a clear message unless a usable Go toolchain is on PATH.
meshd_require_go() {
  if ! command -v go >/dev/null 2>&1; then
    cat >&2 <<'MSG'
error: the Go toolchain (`go`) is not on PATH.
meshd's test environment builds kube-apiserver, etcd and helm from Go modules once per machine.
Install Go 1.24 or newer (Debian: `apt-get install golang-go` if recent enough, or the official
tarball in /usr/local/go), make sure `go version` works, then run `bash tools/build.sh all` again.
MSG
    exit 127
  fi
}

# Version of MODULE as required by the wrapper go.mod in DIR (the single source of each version).
meshd_module_version() {
  local dir="$1" module="$2"
  awk -v m="$module" '($1 == "require" && $2 == m) { print $3; exit } ($1 == m) { print $2; exit }' "$dir/go.mod"
}

# Stamp for a recipe: hash of the wrapper's go.mod/go.sum plus the extra recipe text.
meshd_recipe_stamp() {
  local dir="$1" recipe="$2"
  { cat "$dir/go.mod" "$dir/go.sum"; printf '%s\n' "$recipe"; } | sha256sum | cut -c1-16
}

# True when DEST holds every BIN and a stamp equal to STAMP.
meshd_is_built() {
  local dest="$1" stamp="$2"; shift 2
  [[ -f "$dest/.stamp" && "$(cat "$dest/.stamp")" == "$stamp" ]] || return 1
  local bin
  for bin in "$@"; do [[ -x "$dest/$bin" ]] || return 1; done
}

# meshd_check_version [--line] WANT COMMAND...: true when COMMAND's output (read to its end) contains
# WANT, or with --line has a line equal to WANT; otherwise says what the binary printed.
# Not `COMMAND | grep -q WANT`: grep -q exits at its first match, and a binary that prints more lines
# after it dies of SIGPIPE, which pipefail turns into a failed build (seen in CI as an etcd build that
# "FAILED" with an empty log).
meshd_check_version() {
  local exact=''
  if [[ "$1" == --line ]]; then exact=1; shift; fi
  local want="$1" out; shift
  if ! out="$("$@" 2>&1)"; then
    printf 'error: `%s` failed: %s\n' "$*" "$out" >&2
    return 1
  fi
  local expected="something containing"
  if [[ -n "$exact" ]]; then
    expected="a line equal to"
    [[ $'\n'"$out"$'\n' == *$'\n'"$want"$'\n'* ]] && return 0
  else
    [[ "$out" == *"$want"* ]] && return 0
  fi
  printf 'error: `%s` printed %q, expected %s %s\n' "$*" "${out:0:300}" "$expected" "$want" >&2
  return 1
}

# meshd_build_component COMPONENT VERSION STAMP BUILD_FN BIN...
# Returns at once when the cache already holds this exact build. Otherwise takes the component's lock
# (waiting for a concurrent build, which usually finishes the job for us), runs `BUILD_FN TMPDIR`,
# which must leave every BIN in TMPDIR, then renames TMPDIR to the version directory.
meshd_build_component() {
  local component="$1" version="$2" stamp="$3" build_fn="$4"; shift 4
  local root dest lock_fd started tmp
  root="$(meshd_cache_root)"
  dest="$root/$component/$version"
  if meshd_is_built "$dest" "$stamp" "$@"; then
    meshd_log "$component" "$version up to date in $dest"
    return 0
  fi
  mkdir -p "$root/locks" "$root/$component"
  exec {lock_fd}>"$root/locks/$component.lock"
  if ! flock -n "$lock_fd"; then
    meshd_log "$component" "another build of $component is running; waiting for its lock…"
    flock "$lock_fd"
  fi
  if meshd_is_built "$dest" "$stamp" "$@"; then
    meshd_log "$component" "$version was built by the other process; up to date in $dest"
    exec {lock_fd}>&-
    return 0
  fi
  meshd_require_go
  rm -rf "$root/$component"/.tmp-*   # leftovers of an interrupted build (we hold the lock)
  tmp="$(mktemp -d "$root/$component/.tmp-$version-XXXXXX")"
  started=$SECONDS
  meshd_log "$component" "building $version ($*) into $dest"
  if ! "$build_fn" "$tmp"; then
    rm -rf "$tmp"
    meshd_log "$component" "FAILED after $((SECONDS - started))s; the end of its build log:"
    tail -n 20 "$root/logs/$component-$version.log" 2>/dev/null | sed "s/^/[build $component]   /" >&2 || true
    exec {lock_fd}>&-
    return 1
  fi
  chmod 755 "$tmp"
  printf '%s\n' "$stamp" >"$tmp/.stamp"
  rm -rf "$dest"
  mv -T "$tmp" "$dest"
  meshd_log "$component" "built $version in $((SECONDS - started))s: $(du -sh "$dest" | cut -f1) in $dest"
  exec {lock_fd}>&-
}

# meshd_go_build COMPONENT LOGFILE ARGS...: `go build -v ARGS` with a progress line every 20 s
# (elapsed time and packages compiled so far); on failure prints the end of the log.
meshd_go_build() {
  local component="$1" logfile="$2"; shift 2
  local started=$SECONDS pid rc last=0
  mkdir -p "$(dirname "$logfile")"
  go build -v "$@" >"$logfile" 2>&1 &
  pid=$!
  # A non-interactive shell's background job ignores SIGINT: stop it ourselves when interrupted.
  trap 'kill "$pid" 2>/dev/null; exit 130' INT TERM
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if (( SECONDS - last >= 20 )); then
      last=$SECONDS
      meshd_log "$component" "… $((SECONDS - started))s, $(wc -l <"$logfile") packages compiled (log: $logfile)"
    fi
  done
  wait "$pid"; rc=$?
  trap - INT TERM
  if (( rc != 0 )); then
    meshd_log "$component" "go build failed (exit $rc); last lines of $logfile:"
    tail -n 40 "$logfile" >&2
  fi
  return "$rc"
}
