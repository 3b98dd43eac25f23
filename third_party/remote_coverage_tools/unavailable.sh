#!/bin/sh
echo "coverage is not available offline: sparselab has no coverage tools (see third_party/README.md)" >&2
exit 1
