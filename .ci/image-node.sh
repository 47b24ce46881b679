#!/usr/bin/env bash
# The test suite again (CI passes the projects: see .ci/run), on the Node release the image runs (the Dockerfile's NODE_VERSION),
# so the image's runtime is tested, not assumed. Run after the main pass of .ci/run (it reuses that
# pass's node_modules and .tools/helm).
#
# better-sqlite3's addon is built for one Node ABI, so this pass runs in a throw-away copy of the
# checkout: the sources copied, node_modules hard-linked (read only here) except better-sqlite3,
# which is copied and rebuilt for the image's Node with node-gyp against the headers that come with
# it (offline). The rebuilt addon is cached beside that Node (scripts/install-node.mjs says where),
# so only the first run on a machine compiles. The checkout's own node_modules keeps working on the machine's Node throughout.
#
# Usage: .ci/image-node.sh [jest arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

NODE_DIR=$(node scripts/install-node.mjs --quiet)
NODE_BIN="$NODE_DIR/bin"
NODE_VERSION=$("$NODE_BIN/node" --version)
SQLITE_VERSION=$(node -p "require('./node_modules/better-sqlite3/package.json').version")
ADDON_CACHE="$NODE_DIR/better-sqlite3-$SQLITE_VERSION.node"

COPY=$(mktemp -d "${TMPDIR:-/tmp}/orw-node-${NODE_VERSION}-XXXXXX")
trap 'rm -rf "$COPY"' EXIT
# mktemp's 0700 would lock out the `postgres` user the embedded test database runs as under root.
chmod 755 "$COPY"
# Everything but what is built, installed or generated (and git's own data).
for entry in * .[!.]*; do
  case "$entry" in
    node_modules | dist | data | coverage | .tools | .git | .ci-results*.json) ;;
    *) cp -a "$entry" "$COPY/" ;;
  esac
done
cp -al node_modules "$COPY/node_modules"
rm -rf "$COPY/node_modules/better-sqlite3"
cp -a node_modules/better-sqlite3 "$COPY/node_modules/better-sqlite3"
mkdir -p "$COPY/.tools"
[ -e .tools/helm ] && cp -al .tools/helm "$COPY/.tools/helm"

ADDON="$COPY/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
if [ -f "$ADDON_CACHE" ]; then
  cp "$ADDON_CACHE" "$ADDON"
else
  started=$SECONDS
  NODE_GYP="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  # The compiler's warnings about SQLite's C are many and harmless: shown only when the build fails.
  if ! (cd "$COPY/node_modules/better-sqlite3" && "$NODE_BIN/node" "$NODE_GYP" rebuild --release --nodedir="$NODE_DIR" --jobs=2 --loglevel=warn) > "$COPY/node-gyp.log" 2>&1; then
    cat "$COPY/node-gyp.log"
    exit 1
  fi
  cp "$ADDON" "$ADDON_CACHE.partial-$$" && mv "$ADDON_CACHE.partial-$$" "$ADDON_CACHE"
  echo "image-node: built better-sqlite3 $SQLITE_VERSION for Node $NODE_VERSION in $((SECONDS - started)) s"
fi

cd "$COPY"
# The image's node first on PATH: npm, the build, Jest and every service the tests spawn run on it.
export PATH="$NODE_BIN:$PATH"
node --version
node -e "new (require('better-sqlite3'))(':memory:').close()"
npm test -- --json --outputFile="$ROOT/.ci-results-image-node.json" "$@"
