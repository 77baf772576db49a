#!/bin/sh
# Turns a Parley source tree into an install directory that runs with plain Node:
#
#   deploy/build-release.sh [--modules-from DIR] [--git-sha SHA] SOURCE TARGET
#
# 1. copies SOURCE to TARGET (TARGET must not exist), leaving out node_modules, dist, data, .git,
#    .env files and what git ignores as output (logs, profiles, coverage);
# 2. installs the dependencies: `npm ci` (python3, make and g++ must be present in case a native
#    module's prebuilt binary cannot be downloaded), or with --modules-from a hard-linked copy of
#    DIR/node_modules, installed from the same package-lock.json (tests, offline rebuilds);
# 3. compiles (`npm run build`, when package.json has one and the install did not already run it):
#    the server into dist/src, Parley Web (web/, with Vite, a development package) into dist/web;
# 4. drops the development dependencies (`npm prune --omit=dev`) and what only development uses
#    (tests, benchmarks, scripts, lint and compiler settings; the TypeScript sources and web/ once
#    dist/ holds what they compile to);
# 5. records the commit in build-info.json (beside what the build wrote there): --git-sha, else
#    $GIT_SHA, else SOURCE's git HEAD. Without any, /health shows the version alone.
#
# The Dockerfile's build stage runs this script; test/cli/packaging.test.ts runs it too.
# TARGET then starts with `node bin/parley.js serve`.
set -eu

usage() {
  echo "usage: $0 [--modules-from DIR] [--git-sha SHA] SOURCE TARGET" >&2
  exit 2
}

modules_from=''
git_sha="${GIT_SHA:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --modules-from) [ $# -ge 2 ] || usage; modules_from="$2"; shift 2 ;;
    --git-sha) [ $# -ge 2 ] || usage; git_sha="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    --) shift; break ;;
    -*) echo "build-release: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -eq 2 ] || usage
source_dir="$1"
target="$2"

[ -f "$source_dir/package.json" ] || { echo "build-release: $source_dir has no package.json" >&2; exit 1; }
[ ! -e "$target" ] || { echo "build-release: $target exists; give a new directory" >&2; exit 1; }
if [ -n "$modules_from" ]; then
  [ -d "$modules_from/node_modules" ] || { echo "build-release: $modules_from has no node_modules" >&2; exit 1; }
  # Used after changing into TARGET.
  modules_from="$(cd "$modules_from" && pwd)"
fi
if [ -z "$git_sha" ] && command -v git >/dev/null 2>&1; then
  git_sha="$(git -C "$source_dir" rev-parse HEAD 2>/dev/null || true)"
fi
case "$git_sha" in
  *[!0-9a-f]*) echo "build-release: --git-sha/GIT_SHA must be a commit in hexadecimal, not \"$git_sha\"" >&2; exit 2 ;;
esac

step() { echo "build-release: $*"; }

step "copying $source_dir to $target"
mkdir -p "$target"
# tar, not cp --exclude (which POSIX cp lacks): the tree minus what each install makes anew.
# Through a file rather than a pipe: POSIX sh has no pipefail, and a tar -c that failed halfway
# (an unreadable file) must stop the build, not leave an install without that file.
archive="$target/.source.tar"
(cd "$source_dir" && tar -cf "$archive" --exclude=./node_modules --exclude=./dist --exclude=./data \
  --exclude=./.git --exclude=./build-info.json --exclude=.env --exclude='.env.*' \
  --exclude=./coverage --exclude=./tmp --exclude='*.log' --exclude='*.cpuprofile' --exclude='*.heapprofile' .)
(cd "$target" && tar -xf "$archive")
rm "$archive"
cd "$target"

if [ -n "$modules_from" ]; then
  step "linking node_modules from $modules_from"
  cmp -s "$modules_from/package-lock.json" package-lock.json ||
    { echo "build-release: $modules_from was installed from another package-lock.json" >&2; exit 1; }
  # The real directory, not a link to it: pruning through a link would empty the original.
  modules="$(cd "$modules_from/node_modules" && pwd -P)"
  cp -al "$modules" node_modules
  # npm rewrites its own record of the tree when pruning: give it a file of its own so that the
  # original install, which shares every other file, stays as it was.
  if [ -f node_modules/.package-lock.json ]; then
    cp node_modules/.package-lock.json node_modules/.package-lock.json.copy
    mv node_modules/.package-lock.json.copy node_modules/.package-lock.json
  fi
else
  step "npm ci"
  # The build needs the development packages even where NODE_ENV=production would leave them out.
  npm ci --include=dev --no-audit --no-fund
fi

has_build="$(node -e 'process.stdout.write(require("./package.json").scripts?.build ? "yes" : "no")')"
if [ "$has_build" = yes ] && [ ! -d dist ]; then
  step "npm run build"
  npm run build
elif [ "$has_build" = no ]; then
  step "no build script: the install runs the TypeScript sources through tsx"
fi

step "npm prune --omit=dev"
npm prune --omit=dev --no-audit --no-fund

step "removing what only development uses"
rm -rf test bench scripts .ci .github coverage eslint.config.js .dockerignore Dockerfile
if [ -d dist ]; then
  rm -rf src tsconfig*.json dist/.tsbuildinfo
fi
# The browser client and admin console: only their build is served.
if [ -f dist/web/index.html ]; then
  rm -rf web
elif [ -d web ]; then
  echo "build-release: dist/web was not built: /app would answer 503" >&2
  exit 1
fi

# The build ran in TARGET, which has no .git of its own: the commit is the source's.
if [ -n "$git_sha" ]; then
  GIT_SHA="$git_sha" node -e '
    const fs = require("node:fs");
    let info = {};
    try { info = JSON.parse(fs.readFileSync("build-info.json", "utf8")); } catch {}
    info.gitSha = process.env.GIT_SHA;
    fs.writeFileSync("build-info.json", JSON.stringify(info, null, 2) + "\n");'
fi
step "done: $(node -p 'require("./package.json").version') ($(node -e '
  try { process.stdout.write(require("./build-info.json").gitSha || "no git sha") } catch { process.stdout.write("no git sha") }'))"
