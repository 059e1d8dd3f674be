#!/usr/bin/env python3
"""Prints, one per line and sorted, the files in DIR whose names end in
SUFFIX, relative to the source root: meson.build takes its monitors and
library sources from here, so adding one edits no list."""
import os
import sys

root, directory, suffix = sys.argv[1], sys.argv[2], sys.argv[3]
for name in sorted(os.listdir(os.path.join(root, directory))):
    if name.endswith(suffix):
        print(os.path.join(directory, name))
