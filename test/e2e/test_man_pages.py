#!/usr/bin/env python3
"""The man pages as `man` shows them (`man -l build/<tool>.1`, 80 columns):
EXAMPLES has each example of --help on a line of its own, with what it does
under it, and nothing else; each page names the hooks its tool really uses;
SEE ALSO names the other pages, not the page itself. Needs no root."""
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BUILD_DIR, check, finish, run, skip, tool  # noqa: E402

TOOLS = ["execmon", "syscallmon", "funcmon", "netmon", "ebpfmon"]
EXEC_HOOKS = ["syscalls:sys_enter_execve", "syscalls:sys_enter_execveat", "syscalls:sys_exit_execve",
              "syscalls:sys_exit_execveat", "sched_process_exec"]
SYSCALL_HOOKS = ["raw tracepoint sys_enter", "raw_syscalls:sys_enter", "raw_syscalls:sys_exit"]
NET_HOOKS = ["sock:inet_sock_set_state", "syscalls:sys_exit_accept4", "syscalls:sys_exit_accept"]
HOOKS = {
    "execmon": EXEC_HOOKS + ["sched_process_exit"],
    "syscallmon": SYSCALL_HOOKS,
    "funcmon": ["fentry", "kprobe"],
    "netmon": NET_HOOKS,
    "ebpfmon": EXEC_HOOKS + ["sched_process_exit", "raw tracepoints sys_enter and sys_exit",
                             "raw_syscalls:sys_enter", "fentry", "kprobes"] + NET_HOOKS,
}


def render(page):
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8", MANPAGER="cat", PAGER="cat")
    env.pop("MAN_KEEP_FORMATTING", None)
    r = run(["man", "-P", "cat", "-l", page], env=env, timeout=60)
    check(r.returncode == 0 and r.stdout, "%s: man -l renders it (%d): %s" % (page, r.returncode, r.stderr))
    return r.stdout


def sections(text):
    """{heading: [lines]} of a rendered page."""
    out, current = {}, None
    for line in text.splitlines():
        if re.fullmatch(r"[A-Z][A-Z ]*[A-Z]", line):
            current = line
            out[current] = []
        elif current and (not line or line[0].isspace()):  # not the page's footer
            out[current].append(line)
    return out


def flat(lines):
    """The words of some lines, hyphenation at line ends undone."""
    text = "\n".join(lines)
    text = re.sub(r"[\u2010-]\n\s*", "", text)
    return " ".join(text.split())


def help_examples(name):
    """(command, what it does) of each line under Examples: in --help."""
    help_text = run([tool(name), "--help"]).stdout
    block = help_text.split("\nExamples:\n", 1)[1] if "\nExamples:\n" in help_text else ""
    return [tuple(re.split(r"  +", line.strip(), maxsplit=1)) for line in block.splitlines() if line.strip()]


def test_page(name):
    page = os.path.join(BUILD_DIR, name + ".1")
    if not os.path.exists(page):
        check(False, "%s: built" % page)
        return
    parts = sections(render(page))
    examples = help_examples(name)
    check(examples and all(len(e) == 2 for e in examples),
          "%s: every example in --help is 'COMMAND  # what it does': %s" % (name, examples))
    shown = [" ".join(line.split()) for line in parts.get("EXAMPLES", []) if line.strip()]
    for command, *what in examples:
        check(command in shown, "%s: EXAMPLES has '%s' on a line of its own: %s" % (name, command, shown))
    expected = " ".join(" ".join(e) for e in examples)
    check(flat(parts.get("EXAMPLES", [])) == " ".join(expected.split()),
          "%s: EXAMPLES holds the examples and nothing else: %s" % (name, shown))

    see_also = flat(parts.get("SEE ALSO", []))
    check(name + "(1)" not in see_also, "%s: SEE ALSO does not name the page itself: %s" % (name, see_also))
    for other in TOOLS:
        if other != name:
            check(other + "(1)" in see_also, "%s: SEE ALSO names %s(1): %s" % (name, other, see_also))

    description = flat(parts.get("DESCRIPTION", []))
    for hook in HOOKS[name]:
        check(hook in description, "%s: the description names its hook %s" % (name, hook))
    if name == "execmon":
        check("raw_syscalls" not in flat(sum(parts.values(), [])),
              "execmon: its page does not say raw_syscalls (it uses the syscalls:*execve* tracepoints)")


def main():
    if shutil.which("man") is None:
        skip("man is not installed (scripts/install-deps installs man-db)")
    for name in TOOLS:
        test_page(name)
    finish()


if __name__ == "__main__":
    main()
