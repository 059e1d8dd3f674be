// A process asleep in uninterruptible sleep (D) inside a syscall until the
// test lets it go, for test_hung.py: the parent's vfork() waits for its
// child, which sleeps in pause() until it is killed. Prints the child's pid
// once vfork returns.
#include <unistd.h>

#include <cstdio>

int main() {
  const pid_t child = vfork();
  if (child == 0) {
    pause();  // the parent sleeps in vfork meanwhile
    _exit(0);
  }
  std::printf("%d\n", static_cast<int>(child));
  return child > 0 ? 0 : 1;
}
