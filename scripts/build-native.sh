#!/usr/bin/env bash
# Builds the optional native TF.js backend offline: @tensorflow/tfjs-node into native/node_modules (from
# native/package-lock.json, install scripts off: its own script would download libtensorflow), its addon
# compiled against the TensorFlow C library inside the tensorflow-cpu wheel from PyPI. The sidecar loads it
# from native/ at run time (src/sidecar/engine/backend/nativeBinding.ts). Usage (from the Makefile):
#   scripts/build-native.sh <pip> <tensorflow-cpu requirement>
set -euo pipefail

PIP=$1
WHEEL_REQ=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NATIVE=$ROOT/native
PKG=$NATIVE/node_modules/@tensorflow/tfjs-node
step() { echo "make native: $*"; }

# The binding must come from the same TF.js release as the sidecar's (they share one engine per thread).
tfjs=$(node -p "require('$ROOT/package-lock.json').packages['node_modules/@tensorflow/tfjs'].version")
wanted=$(node -p "require('$NATIVE/package.json').dependencies['@tensorflow/tfjs-node']")
if [ "$tfjs" != "$wanted" ]; then
  echo "make native: native/package.json asks for @tensorflow/tfjs-node $wanted but package-lock.json has @tensorflow/tfjs $tfjs; make them equal" >&2
  exit 1
fi

# node-gyp's prerequisites; the Node headers must be local (node-gyp would otherwise download them).
if ! command -v g++ >/dev/null || ! command -v make >/dev/null || ! command -v python3 >/dev/null; then
  step "installing Debian packages g++ make python3"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++ make python3 >/dev/null
fi
NODEDIR=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
if [ ! -f "$NODEDIR/include/node/node_api.h" ]; then
  echo "make native: no Node.js headers in $NODEDIR/include/node (install the headers of Node $(node -v))" >&2
  exit 1
fi
NODE_GYP=$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js
if [ ! -f "$NODE_GYP" ]; then
  echo "make native: npm's bundled node-gyp not found at $NODE_GYP" >&2
  exit 1
fi

step "installing @tensorflow/tfjs-node $wanted into native/ (no install scripts)"
(cd "$NATIVE" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)

step "fetching $WHEEL_REQ from PyPI (only its TensorFlow C library and headers are used)"
WHEELS=$(mktemp -d)
trap 'rm -rf "$WHEELS"' EXIT
"$PIP" download -q --no-deps --only-binary=:all: --python-version 3.11 --implementation cp \
  --platform manylinux_2_27_x86_64 "$WHEEL_REQ" -d "$WHEELS"
wheel=$(ls "$WHEELS"/*.whl)

step "placing libtensorflow and its C headers in $PKG/deps"
rm -rf "$PKG/deps" "$PKG/build" "$PKG/lib"
python3 - "$wheel" "$PKG/deps" <<'EOF'
import os, shutil, sys, zipfile

wheel, deps = sys.argv[1:]
LIBS = ("tensorflow/libtensorflow_cc.so.2", "tensorflow/libtensorflow_framework.so.2")
# c_api.h and eager/c_api.h with what they include (TF's C API, its platform and TSL headers).
HEADERS = ("tensorflow/c/", "tensorflow/core/platform/", "tsl/", "xla/tsl/")
INCLUDE = "tensorflow/include/"
with zipfile.ZipFile(wheel) as z:
    names = set(z.namelist())
    missing = [lib for lib in LIBS if lib not in names]
    if missing:
        sys.exit(f"make native: {os.path.basename(wheel)} lacks {missing}")
    for info in z.infolist():
        name = info.filename
        if name in LIBS:
            dst = os.path.join(deps, "lib", os.path.basename(name))
        elif name.startswith(INCLUDE) and name[len(INCLUDE):].startswith(HEADERS) and name.endswith(".h"):
            dst = os.path.join(deps, "include", name[len(INCLUDE):])
        else:
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with z.open(info) as src, open(dst, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
EOF
# binding.gyp links -ltensorflow -ltensorflow_framework from deps/lib (rpath $ORIGIN/../../deps/lib); the
# wheel's C API lives in libtensorflow_cc.so.2, whose soname the addon then records.
ln -sf libtensorflow_cc.so.2 "$PKG/deps/lib/libtensorflow.so"
ln -sf libtensorflow_framework.so.2 "$PKG/deps/lib/libtensorflow_framework.so"

step "compiling the tfjs-node addon"
(cd "$PKG" && npm_config_node_gyp="$NODE_GYP" ../../.bin/node-pre-gyp install --build-from-source \
  --nodedir="$NODEDIR" --loglevel=error)
rm -rf "$PKG/build/Release/obj.target"

step "checking that it loads"
(cd "$ROOT" && TF_CPP_MIN_LOG_LEVEL=2 node -e "
const tf = require('@tensorflow/tfjs');
const warn = console.warn; console.warn = () => {};
const native = require('$PKG');
console.warn = warn;
tf.setBackend('tensorflow').then(ok => {
  if (!ok) { console.error('make native: the tensorflow backend did not initialise'); process.exit(1); }
  const sum = tf.matMul(tf.ones([2, 3]), tf.ones([3, 2])).sum().dataSync()[0];
  if (sum !== 12) { console.error('make native: wrong matMul result ' + sum); process.exit(1); }
  console.log('make native: backend ' + tf.getBackend() + ' works (' + JSON.stringify(native.version) + ')');
});")
du -sh "$NATIVE/node_modules" | sed 's/^/make native: disk used by native\/node_modules: /'
