/* main.c -- the `tandem` command: dispatches --help, --version, `info` and
 * `bench`. A usage error prints one line saying what was wrong, then the
 * usage, on stderr, and exits with status 2. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int cli_usage_error(const char *msg) {
  fprintf(stderr, "%s\n", msg);
  cli_usage(stderr);
  return 2;
}

int main(int argc, char **argv) {
  if (argc < 2) return cli_usage_error("tandem: a command is needed");
  const char *cmd = argv[1];
  char err[256];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    cli_usage(stdout);
    return 0;
  }
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
    printf("tandem %s\n", tdm_version());
    return 0;
  }
  if (!strcmp(cmd, "info")) {
    if (argc > 2) {
      snprintf(err, sizeof err, "tandem info: unexpected argument '%s'", argv[2]);
      return cli_usage_error(err);
    }
    return cli_info();
  }
  if (!strcmp(cmd, "bench")) {
    cli_opts o;
    int rc = cli_parse_bench(argc - 2, argv + 2, &o, err, sizeof err);
    if (rc < 0) return cli_usage_error(err);
    if (rc > 0) {
      cli_usage(stdout);
      return 0;
    }
    return cli_bench(&o);
  }
  snprintf(err, sizeof err, "tandem: unknown command '%s'", cmd);
  return cli_usage_error(err);
}
