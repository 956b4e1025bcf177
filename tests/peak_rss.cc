// peak_rss OUT CMD [ARGS...]: runs CMD, writes its peak resident set (KiB)
// to the file OUT, and exits with CMD's exit code. Why a separate program:
// a child started with popen (vfork-like) carries its parent's peak into
// its own ru_maxrss at exec, so a test measuring through RUSAGE_CHILDREN
// sees the test process's peak too. This program is small, so the figure it
// reports is CMD's own.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: peak_rss OUT CMD [ARGS...]\n");
    return 2;
  }
  pid_t pid = fork();
  if (pid < 0) return 2;
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    std::perror("peak_rss: exec");
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) != pid) return 2;
  std::FILE* out = std::fopen(argv[1], "w");
  if (!out) return 2;
  std::fprintf(out, "%ld\n", usage.ru_maxrss);
  std::fclose(out);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
