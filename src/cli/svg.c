/* svg.c -- `tandem bench --plot FILE.svg`: a self-contained SVG bar chart,
 * one group per scenario variant and dtype, one bar per backend (CPU, GPU,
 * sim, and each peer library), bar length the median time on a log scale with the time
 * written at its end. Shorter is faster. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define SVG_W 980
#define SVG_LABEL 300
#define SVG_BAR 12
#define SVG_PAD 10

static const char *svg_color(const char *backend) {
  if (!strcmp(backend, "cpu")) return "#4e79a7";
  if (!strcmp(backend, "cuda")) return "#59a14f";
  if (!strcmp(backend, "sim")) return "#b07aa1";
  if (!strcmp(backend, "numpy")) return "#f28e2b";
  if (!strcmp(backend, "numexpr")) return "#e15759";
  if (!strcmp(backend, "jax")) return "#76b7b2";
  if (!strcmp(backend, "pandas")) return "#edc948";
  if (!strcmp(backend, "scipy")) return "#ff9da7";
  return "#9c755f"; /* any other peer */
}

static int svg_ok(const bench_row *r) { return !r->skipped[0] && r->median_s > 0; }

static int svg_same_group(const bench_row *a, const bench_row *b) {
  return !strcmp(a->scenario, b->scenario) && !strcmp(a->variant, b->variant) &&
         !strcmp(a->dtype, b->dtype);
}

static void svg_text(FILE *f, const char *s) {
  for (; *s; s++) {
    if (*s == '<') fputs("&lt;", f);
    else if (*s == '>') fputs("&gt;", f);
    else if (*s == '&') fputs("&amp;", f);
    else fputc(*s, f);
  }
}

int cli_svg_write(const char *path, const cli_rows *rs, char *err, size_t errlen) {
  double lo = INFINITY, hi = 0;
  size_t nbars = 0, ngroups = 0;
  for (size_t i = 0; i < rs->n; i++) {
    const bench_row *r = &rs->v[i];
    if (!svg_ok(r)) continue;
    lo = fmin(lo, r->median_s), hi = fmax(hi, r->median_s);
    nbars++;
    int first = 1;
    for (size_t j = 0; j < i; j++)
      if (svg_ok(&rs->v[j]) && svg_same_group(&rs->v[j], r)) first = 0;
    ngroups += first;
  }
  FILE *f = fopen(path, "w");
  if (!f) {
    snprintf(err, errlen, "tandem bench: --plot %s: %s", path, strerror(errno));
    return -1;
  }
  double e0 = nbars ? floor(log10(lo)) : -3, e1 = nbars ? ceil(log10(hi)) : 1;
  if (e1 <= e0) e1 = e0 + 1;
  int top = 60, height = top + (int)(nbars * SVG_BAR + ngroups * SVG_PAD) + 40;
  double span = SVG_W - SVG_LABEL - 90;
#define SVG_X(t) (SVG_LABEL + span * (log10(t) - e0) / (e1 - e0))
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
             "font-family=\"sans-serif\" font-size=\"11\">\n", SVG_W, height);
  fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
  fprintf(f, "<text x=\"10\" y=\"18\" font-size=\"14\">tandem bench: median time per scenario "
             "(log scale, shorter is faster)</text>\n");
  const char *legend[] = {"cpu", "cuda", "sim", "numpy", "numexpr", "jax", "pandas", "scipy"};
  for (int k = 0; k < (int)(sizeof legend / sizeof legend[0]); k++) {
    fprintf(f, "<rect x=\"%d\" y=\"28\" width=\"12\" height=\"12\" fill=\"%s\"/>", 10 + k * 80,
            svg_color(legend[k]));
    fprintf(f, "<text x=\"%d\" y=\"38\">%s</text>\n", 26 + k * 80, legend[k]);
  }
  for (double e = e0; e <= e1 + 1e-9; e += 1) { /* decade grid */
    double x = SVG_X(pow(10, e));
    fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>", x, top - 6, x,
            height - 30);
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">1e%+.0f s</text>\n", x,
            height - 16, e);
  }
  int y = top;
  for (size_t i = 0; i < rs->n; i++) {
    const bench_row *g = &rs->v[i];
    if (!svg_ok(g)) continue;
    int first = 1;
    for (size_t j = 0; j < i; j++)
      if (svg_ok(&rs->v[j]) && svg_same_group(&rs->v[j], g)) first = 0;
    if (!first) continue;
    int y0 = y;
    for (size_t j = i; j < rs->n; j++) {
      const bench_row *r = &rs->v[j];
      if (!svg_ok(r) || !svg_same_group(r, g)) continue;
      double x1 = SVG_X(r->median_s);
      char t[16];
      fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>", SVG_LABEL, y,
              fmax(x1 - SVG_LABEL, 1.0), SVG_BAR - 2, svg_color(r->backend));
      fprintf(f, "<text x=\"%.1f\" y=\"%d\">%s %s</text>\n", fmax(x1, SVG_LABEL + 1.0) + 4,
              y + SVG_BAR - 3, r->backend, cli_fmt_time(r->median_s, t, sizeof t));
      y += SVG_BAR;
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", SVG_LABEL - 6, (y0 + y) / 2 + 4);
    svg_text(f, g->scenario);
    if (g->variant[0]) fputs(" · ", f), svg_text(f, g->variant);
    if (g->dtype[0]) fputs(" · ", f), svg_text(f, g->dtype);
    fputs("</text>\n", f);
    y += SVG_PAD;
  }
#undef SVG_X
  fputs("</svg>\n", f);
  if (fclose(f)) {
    snprintf(err, errlen, "tandem bench: --plot %s: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}
