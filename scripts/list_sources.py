#!/usr/bin/env python3
"""Prints, one per line and sorted, the files in DIR whose names end in
SUFFIX, relative to ROOT: meson.build takes its monitors, library sources,
tools and tests from here, so adding one edits no list.
Usage: list_sources.py ROOT DIR SUFFIX"""
import os
import sys

root, directory, suffix = sys.argv[1], sys.argv[2], sys.argv[3]
for name in sorted(os.listdir(os.path.join(root, directory))):
    if name.endswith(suffix):
        print(os.path.join(directory, name))
