#!/usr/bin/env python3
"""Embeds a BPF C source in a C++ file, so installed tools need no source tree.

Local "quoted" includes are inlined (each once), because BCC compiles the
text in memory and cannot resolve them; <angle> includes stay for BCC.
Usage: embed_bpf.py SOURCE OUTPUT.cc SYMBOL [DEPFILE]
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"\s*$')


def inline(path, seen, deps):
    path = path.resolve()
    if path in seen:
        return ""
    seen.add(path)
    deps.append(path)
    out = []
    for line in path.read_text().splitlines():
        m = INCLUDE.match(line)
        if m:
            out.append(inline(path.parent / m.group(1), seen, deps))
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def main():
    src, dst, symbol = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
    deps = []
    text = inline(src, set(), deps)
    delim = "EBPFMON_BPF"
    assert f"){delim}\"" not in text
    dst.write_text(
        "// Generated from %s by scripts/embed_bpf.py; do not edit.\n"
        "namespace ebpfmon::bpf_sources {\n"
        "extern const char %s[];\n"
        "const char %s[] = R\"%s(%s)%s\";\n"
        "}  // namespace ebpfmon::bpf_sources\n"
        % (src.name, symbol, symbol, delim, text, delim))
    if len(sys.argv) > 4:
        pathlib.Path(sys.argv[4]).write_text(
            "%s: %s\n" % (dst, " ".join(str(d) for d in deps)))


if __name__ == "__main__":
    main()
