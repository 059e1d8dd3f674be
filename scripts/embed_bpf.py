#!/usr/bin/env python3
"""Embeds the BPF C sources in C++, so installed tools need no source tree.

ebpf/<name>.bpf.c becomes `const char ebpfmon::bpf_sources::<name>_bpf[]`,
and bpf_sources.h declares one such array per program: a monitor includes
that header and names its program, and a new ebpf/*.bpf.c declares itself.

Local "quoted" includes are inlined (each once), because BCC compiles the
text in memory and cannot resolve them; <angle> includes stay for BCC.
Usage: embed_bpf.py SOURCE OUTPUT.cc [DEPFILE]
       embed_bpf.py --header OUTPUT.h SOURCE...
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"\s*$')


def symbol(src):
    return pathlib.Path(src).name.split(".")[0] + "_bpf"


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


def write_header(dst, sources):
    lines = ["extern const char %s[];  // %s" % (symbol(s), pathlib.Path(s).name)
             for s in sorted(sources)]
    pathlib.Path(dst).write_text(
        "// Generated from ebpf/*.bpf.c by scripts/embed_bpf.py; do not edit.\n"
        "#pragma once\n"
        "namespace ebpfmon::bpf_sources {\n"
        "%s\n"
        "}  // namespace ebpfmon::bpf_sources\n" % "\n".join(lines))


def write_source(src, dst, depfile):
    deps = []
    text = inline(src, set(), deps)
    delim = "EBPFMON_BPF"
    assert f"){delim}\"" not in text
    name = symbol(src)
    dst.write_text(
        "// Generated from %s by scripts/embed_bpf.py; do not edit.\n"
        "namespace ebpfmon::bpf_sources {\n"
        "extern const char %s[];\n"
        "const char %s[] = R\"%s(%s)%s\";\n"
        "}  // namespace ebpfmon::bpf_sources\n"
        % (src.name, name, name, delim, text, delim))
    if depfile:
        pathlib.Path(depfile).write_text(
            "%s: %s\n" % (dst, " ".join(str(d) for d in deps)))


def main():
    if sys.argv[1] == "--header":
        write_header(sys.argv[2], sys.argv[3:])
    else:
        write_source(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]),
                     sys.argv[3] if len(sys.argv) > 3 else None)


if __name__ == "__main__":
    main()
