/* dag.c -- the expression DAG the parser builds: every node is made through
 * tdm__dag_node, which folds constant operands (in double, with the scalar
 * semantics of ops.c), applies identities that are exact in IEEE arithmetic,
 * and hash-conses so equal subexpressions become one node (CSE). */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "expr/compile.h"

void tdm__dag_init(tdm__dag *d) { memset(d, 0, sizeof *d); }

void tdm__dag_free(tdm__dag *d) {
  tdm__free(d->nodes);
  tdm__free(d->slot);
  memset(d, 0, sizeof *d);
}

static uint64_t tdm__mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h;
}

static uint64_t tdm__node_hash(const tdm__node *n) {
  uint64_t kb;
  memcpy(&kb, &n->k, sizeof kb);
  uint64_t h = tdm__mix(0, (uint64_t)n->op);
  h = tdm__mix(h, (uint64_t)(uint32_t)n->a);
  h = tdm__mix(h, (uint64_t)(uint32_t)n->b);
  h = tdm__mix(h, (uint64_t)(uint32_t)n->c);
  h = tdm__mix(h, kb);
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ull;
  return h ^ (h >> 32);
}

/* Same operation: compares the value's bits, so -0 and 0 (or two NaN
 * payloads) stay distinct. */
static int tdm__node_eq(const tdm__node *x, const tdm__node *y) {
  return x->op == y->op && x->a == y->a && x->b == y->b && x->c == y->c &&
         memcmp(&x->k, &y->k, sizeof x->k) == 0;
}

static int tdm__grow_slots(tdm__dag *d) {
  size_t ns = d->nslot ? d->nslot * 2 : 64;
  int *s = tdm__calloc(ns, sizeof *s);
  if (!s) return -1;
  for (size_t i = 0; i < d->nslot; i++) {
    int id = d->slot[i] - 1;
    if (id < 0) continue;
    size_t j = tdm__node_hash(&d->nodes[id]) & (ns - 1);
    while (s[j]) j = (j + 1) & (ns - 1);
    s[j] = id + 1;
  }
  tdm__free(d->slot);
  d->slot = s;
  d->nslot = ns;
  return 0;
}

static int tdm__intern(tdm__dag *d, const tdm__node *nd) {
  if (2 * (size_t)(d->n + 1) > d->nslot && tdm__grow_slots(d) != 0) {
    d->nomem = 1;
    return -1;
  }
  size_t j = tdm__node_hash(nd) & (d->nslot - 1);
  for (; d->slot[j]; j = (j + 1) & (d->nslot - 1))
    if (tdm__node_eq(&d->nodes[d->slot[j] - 1], nd)) return d->slot[j] - 1;
  if (d->n >= TDM__EXPR_MAX_NODES) {
    d->full = 1;
    return -1;
  }
  if (d->n == d->cap) {
    int nc = d->cap ? d->cap * 2 : 32;
    tdm__node *nn = tdm__malloc((size_t)nc * sizeof *nn);
    if (!nn) {
      d->nomem = 1;
      return -1;
    }
    if (d->n) memcpy(nn, d->nodes, (size_t)d->n * sizeof *nn);
    tdm__free(d->nodes);
    d->nodes = nn;
    d->cap = nc;
  }
  d->nodes[d->n] = *nd;
  d->slot[j] = d->n + 1;
  return d->n++;
}

static int tdm__is_k(const tdm__dag *d, int id, double v) {
  return id >= 0 && d->nodes[id].op == TDM__OP_CONST && d->nodes[id].k == v;
}

int tdm__dag_node(tdm__dag *d, int op, int a, int b, int c, double k) {
  if (a < 0 && op != TDM__OP_CONST && op != TDM__OP_LOAD) return -1;
  int ar = tdm__op_arity(op);
  if (ar < 2) b = -1;
  if (ar < 3) c = -1;
  if (ar > 0) {
    int allk = 1;
    const int ids[3] = {a, b, c};
    double v[3] = {0, 0, 0};
    for (int i = 0; i < ar; i++) {
      if (ids[i] < 0) return -1;
      if (d->nodes[ids[i]].op != TDM__OP_CONST) allk = 0;
      else v[i] = d->nodes[ids[i]].k;
    }
    if (allk) return tdm__dag_node(d, TDM__OP_CONST, -1, -1, -1, tdm__op_fold(op, v[0], v[1], v[2]));
    k = 0;
  }
  switch (op) { /* identities exact for every input, NaN, inf and -0 included */
  case TDM__OP_MUL:
    if (tdm__is_k(d, b, 1.0)) return a;
    if (tdm__is_k(d, a, 1.0)) return b;
    break;
  case TDM__OP_DIV:
    if (tdm__is_k(d, b, 1.0)) return a;
    break;
  case TDM__OP_SUB:
    if (tdm__is_k(d, b, 0.0) && !signbit(d->nodes[b].k)) return a; /* x - (+0) == x */
    break;
  case TDM__OP_NEG:
    if (d->nodes[a].op == TDM__OP_NEG) return d->nodes[a].a;
    break;
  case TDM__OP_POW:
    if (tdm__is_k(d, b, 1.0)) return a;
    if (tdm__is_k(d, b, 0.0)) return tdm__dag_node(d, TDM__OP_CONST, -1, -1, -1, 1.0);
    if (tdm__is_k(d, b, 2.0)) return tdm__dag_node(d, TDM__OP_MUL, a, a, -1, 0);
    if (tdm__is_k(d, b, -1.0)) {
      int one = tdm__dag_node(d, TDM__OP_CONST, -1, -1, -1, 1.0);
      return one < 0 ? -1 : tdm__dag_node(d, TDM__OP_DIV, one, a, -1, 0);
    }
    break;
  default: break;
  }
  if ((op == TDM__OP_ADD || op == TDM__OP_MUL || op == TDM__OP_EQ || op == TDM__OP_NE ||
       op == TDM__OP_AND || op == TDM__OP_OR) && a > b) { /* commutative: one canonical order */
    int t = a;
    a = b;
    b = t;
  }
  tdm__node nd = {op, a, b, c, k};
  return tdm__intern(d, &nd);
}
