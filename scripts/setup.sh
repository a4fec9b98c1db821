#!/usr/bin/env bash
# Sets up Yaddaş on a fresh Debian or Ubuntu machine that has npm (and Node.js 24, or it brings it).
#   scripts/setup.sh          what running Yaddaş needs: redis-server, the OCR languages Debian
#                             provides (Russian, Azerbaijani in Cyrillic script), npm packages
#                             (English and Azerbaijani come from npm), a build
#   scripts/setup.sh --test   also what the tests use: Debian's awscli (an independent S3 client),
#                             chromium (Mirador, a real IIIF viewer, runs in it headless), the
#                             tesseract CLI (the OCR peer), poppler-utils, qpdf, xmllint and jq (to
#                             read our PDFs, XML and JSON as users would) and the DejaVu fonts
#   scripts/setup.sh --bench  also what the benchmark compares against: libvips-tools, ocrmypdf
# It says what it installs; OS packages need root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
want_bench=0
[ "${1:-}" = "--test" ] && want_test=1
[ "${1:-}" = "--bench" ] && want_test=1 && want_bench=1

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

# Yaddaş runs on Node.js 24 (LTS until April 2028). Where the machine has an older Node, the npm
# registry's own build of Node 24 (the package node-linux-<arch>) is unpacked into .node/ in this
# folder and used for everything below; `npm start`, `npm test` and `npx yaddas` then find it first
# on their PATH (scripts/link-node.mjs links it into node_modules/.bin).
NODE_MAJOR=24
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: npm is needed (it comes with Node.js; any Node.js 18 or newer will do to bring Node $NODE_MAJOR)." >&2
  exit 1
fi
if [ "$node_major" -lt "$NODE_MAJOR" ]; then
  here_node="$PWD/.node/bin/node"
  if [ ! -x "$here_node" ] || [ "$("$here_node" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" != "$NODE_MAJOR" ]; then
    case "$(uname -m)" in
      x86_64 | amd64) arch=x64 ;;
      aarch64 | arm64) arch=arm64 ;;
      *) echo "setup: no Node.js $NODE_MAJOR build on the npm registry for $(uname -m); install Node.js $NODE_MAJOR yourself." >&2; exit 1 ;;
    esac
    say "this machine has Node.js $(node --version 2>/dev/null || echo none); bringing Node.js $NODE_MAJOR from the npm registry (node-linux-$arch) into .node/"
    tmp=$(mktemp -d)
    # npm pack checks the tarball against the registry's integrity digest.
    (cd "$tmp" && npm pack "node-linux-$arch@$NODE_MAJOR" --silent >/dev/null)
    rm -rf .node && mkdir -p .node
    tar xzf "$tmp"/node-linux-"$arch"-*.tgz -C .node --strip-components=1
    rm -rf "$tmp"
  fi
  export PATH="$PWD/.node/bin:$PATH"
  say "using Node.js $(node --version) from .node/bin"
fi

packages=()
command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
tessdata=/usr/share/tesseract-ocr/5/tessdata
[ -f "$tessdata/rus.traineddata" ] || [ -f /usr/share/tesseract-ocr/4.00/tessdata/rus.traineddata ] || packages+=(tesseract-ocr-rus)
[ -f "$tessdata/aze_cyrl.traineddata" ] || [ -f /usr/share/tesseract-ocr/4.00/tessdata/aze_cyrl.traineddata ] || packages+=(tesseract-ocr-aze-cyrl)
if [ "$want_test" = 1 ] && [ ! -x /usr/bin/aws ]; then packages+=(awscli); fi
if [ "$want_test" = 1 ] && [ ! -x /usr/bin/chromium ]; then packages+=(chromium); fi
if [ "$want_test" = 1 ]; then
  command -v tesseract >/dev/null 2>&1 || packages+=(tesseract-ocr)
  command -v pdftotext >/dev/null 2>&1 || packages+=(poppler-utils)
  command -v qpdf >/dev/null 2>&1 || packages+=(qpdf)
  command -v xmllint >/dev/null 2>&1 || packages+=(libxml2-utils)
  command -v jq >/dev/null 2>&1 || packages+=(jq)
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf ] || packages+=(fonts-dejavu-core)
fi
if [ "$want_bench" = 1 ] && ! command -v vips >/dev/null 2>&1; then packages+=(libvips-tools); fi
if [ "$want_bench" = 1 ] && ! command -v ocrmypdf >/dev/null 2>&1; then packages+=(ocrmypdf); fi
# OCRmyPDF reads with the system's tessdata: the benchmark's books need Azerbaijani (Latin) there too.
if [ "$want_bench" = 1 ] && [ ! -f "$tessdata/aze.traineddata" ] && [ ! -f /usr/share/tesseract-ocr/4.00/tessdata/aze.traineddata ]; then packages+=(tesseract-ocr-aze); fi

if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "setup: please install these Debian packages as root: ${packages[*]}" >&2
      exit 1
    fi
  fi
  say "installing Debian packages: ${packages[*]}"
  say "  redis-server: the queue store, run privately under ./data when no Redis answers"
  say "  tesseract-ocr-rus, tesseract-ocr-aze-cyrl: OCR language data (read offline)"
  [ "$want_test" = 1 ] && say "  awscli: the tests read stored objects back with an independent S3 client"
  [ "$want_test" = 1 ] && say "  chromium: the tests open published manifests in Mirador, headless"
  [ "$want_test" = 1 ] && say "  tesseract-ocr, poppler-utils, qpdf, libxml2-utils, jq, fonts-dejavu-core: OCR peer, PDF, XML and JSON checks, test pages"
  [ "$want_bench" = 1 ] && say "  libvips-tools, ocrmypdf, tesseract-ocr-aze: the benchmark's peers for derivatives and searchable PDFs"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  # The package's own service is not needed: Yaddaş starts a private Redis when none answers.
else
  say "Debian packages already present"

fi

# One test file runs moto's S3 server beside the embedded one; it comes from PyPI, which setup
# cannot reach, so its absence is said here rather than discovered by a failing test.
if [ "$want_test" = 1 ] && ! command -v moto_server >/dev/null 2>&1 && [ -z "$(ls "$HOME"/.pyenv/versions/*/bin/moto_server "$HOME"/.local/bin/moto_server 2>/dev/null | head -1)" ]; then
  say "note: moto_server (Python's moto 5 with its server extra) was not found; tests/integration/s3-services.test.ts needs it (YADDAS_TEST_MOTO names it)"
fi

say "installing npm packages (npm ci) and building"
# Warnings stay visible (an EBADENGINE would say a package does not support this Node).
npm ci --no-audit --no-fund --loglevel=warn
say "done"
if [ -x "$PWD/.node/bin/node" ] && [ "$node_major" -lt "$NODE_MAJOR" ]; then
  say "npm start, npm test and bin/yaddas.js use .node/bin/node by themselves; for npx yaddas (npm would"
  say "  warn about the machine's older Node), put it first on your PATH: export PATH=\"$PWD/.node/bin:\$PATH\""
fi
