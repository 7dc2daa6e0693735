/* emit.c -- from the DAG to a register program: post-order from the root
 * with the operand that needs more registers first (Sethi-Ullman), then a
 * linear scan that reuses a register once its value's last reader ran.
 * Constants that are an operand of a binary op become an immediate
 * (TDM__K_A/B) instead of taking a register. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "expr/compile.h"

static int tdm__is_bin(int op) { return tdm__op_arity(op) == 2; }

/* Operand i of node v is read from a register (not an immediate). */
static int tdm__reg_operand(const tdm__dag *d, const tdm__node *v, int u) {
  return !(tdm__is_bin(v->op) && d->nodes[u].op == TDM__OP_CONST);
}

typedef struct tdm__em {
  int *need, *state, *pos, *last, *reg, *cidx, *order, *stack;
} tdm__em;

static void tdm__labels(const tdm__dag *d, int *need) {
  for (int v = 0; v < d->n; v++) {
    const tdm__node *x = &d->nodes[v];
    int ar = tdm__op_arity(x->op), n[3] = {0, 0, 0};
    const int ids[3] = {x->a, x->b, x->c};
    for (int i = 0; i < ar; i++) n[i] = tdm__reg_operand(d, x, ids[i]) ? need[ids[i]] : 0;
    if (ar == 0) need[v] = 1;
    else if (ar == 1) need[v] = n[0] > 1 ? n[0] : 1;
    else if (ar == 2) need[v] = n[0] == n[1] ? n[0] + 1 : (n[0] > n[1] ? n[0] : n[1]);
    else {
      for (int i = 0; i < 2; i++) /* sort descending */
        for (int j = 0; j < 2 - i; j++)
          if (n[j] < n[j + 1]) {
            int t = n[j];
            n[j] = n[j + 1];
            n[j + 1] = t;
          }
      int m = n[0];
      if (n[1] + 1 > m) m = n[1] + 1;
      if (n[2] + 2 > m) m = n[2] + 2;
      need[v] = m;
    }
  }
}

/* Post-order of the nodes reachable from root through register operands. */
static int tdm__order(const tdm__dag *d, int root, tdm__em *e) {
  int sp = 0, no = 0;
  e->stack[sp++] = root;
  while (sp > 0) {
    int v = e->stack[sp - 1];
    if (e->state[v] == 2) {
      sp--;
      continue;
    }
    if (e->state[v] == 1) {
      sp--;
      e->state[v] = 2;
      e->pos[v] = no;
      e->order[no++] = v;
      continue;
    }
    e->state[v] = 1;
    const tdm__node *x = &d->nodes[v];
    int kids[3], nk = 0;
    const int ids[3] = {x->a, x->b, x->c};
    for (int i = 0; i < tdm__op_arity(x->op); i++)
      if (tdm__reg_operand(d, x, ids[i]) && e->state[ids[i]] == 0) kids[nk++] = ids[i];
    for (int i = 1; i < nk; i++) /* ascending need: the hungriest is pushed last */
      for (int j = i; j > 0 && e->need[kids[j - 1]] > e->need[kids[j]]; j--) {
        int t = kids[j];
        kids[j] = kids[j - 1];
        kids[j - 1] = t;
      }
    for (int i = 0; i < nk; i++) e->stack[sp++] = kids[i];
  }
  return no;
}

static int tdm__const_index(tdm__prog *p, tdm__em *e, const tdm__dag *d, int u) {
  if (e->cidx[u] < 0) {
    e->cidx[u] = p->nconst;
    p->consts[p->nconst++] = d->nodes[u].k;
  }
  return e->cidx[u];
}

tdm_status tdm__emit(const char *fn, const tdm__dag *d, int root, tdm__prog *p) {
  size_t n = (size_t)d->n;
  int *mem = tdm__malloc(n * 10 * sizeof(int) + 3 * n * sizeof(int) + sizeof(int));
  p->code = tdm__calloc(n, sizeof *p->code);
  p->consts = tdm__calloc(n, sizeof *p->consts);
  if (!mem || !p->code || !p->consts) {
    tdm__free(mem);
    return tdm__err(TDM_ERR_NOMEM, "%s: out of host memory compiling the expression", fn);
  }
  tdm__em e = {mem, mem + n, mem + 2 * n, mem + 3 * n, mem + 4 * n, mem + 5 * n, mem + 6 * n,
               mem + 7 * n};
  for (size_t i = 0; i < n; i++) {
    e.state[i] = 0;
    e.last[i] = -1;
    e.cidx[i] = -1;
  }
  tdm__labels(d, e.need);
  int no = tdm__order(d, root, &e);
  for (int i = 0; i < no; i++) {
    const tdm__node *x = &d->nodes[e.order[i]];
    const int ids[3] = {x->a, x->b, x->c};
    for (int j = 0; j < tdm__op_arity(x->op); j++)
      if (tdm__reg_operand(d, x, ids[j])) e.last[ids[j]] = i;
  }
  e.last[root] = no; /* the result stays live */
  uint64_t busy = 0;
  tdm_status st = TDM_OK;
  for (int i = 0; i < no && st == TDM_OK; i++) {
    int v = e.order[i];
    const tdm__node *x = &d->nodes[v];
    tdm__ins *in = &p->code[i];
    in->op = (uint8_t)x->op;
    const int ids[3] = {x->a, x->b, x->c};
    uint8_t *opr[3] = {&in->a, &in->b, &in->c};
    for (int j = 0; j < tdm__op_arity(x->op); j++) {
      int u = ids[j];
      if (!tdm__reg_operand(d, x, u)) {
        in->flags |= (uint8_t)(j == 0 ? TDM__K_A : TDM__K_B);
        in->k = (uint16_t)tdm__const_index(p, &e, d, u);
        continue;
      }
      *opr[j] = (uint8_t)e.reg[u];
    }
    for (int j = 0; j < tdm__op_arity(x->op); j++)
      if (tdm__reg_operand(d, x, ids[j]) && e.last[ids[j]] == i) busy &= ~(1ull << e.reg[ids[j]]);
    if (x->op == TDM__OP_LOAD) {
      in->k = (uint16_t)x->k;
      p->used |= 1u << (int)x->k;
    } else if (x->op == TDM__OP_CONST) {
      in->k = (uint16_t)tdm__const_index(p, &e, d, v);
    }
    int r = 0;
    while (r < TDM__EXPR_MAX_REGS && (busy >> r & 1)) r++;
    if (r == TDM__EXPR_MAX_REGS) {
      char msg[128];
      snprintf(msg, sizeof msg, "expression too complex: more than %d intermediate values are live at once",
               TDM__EXPR_MAX_REGS);
      st = tdm__parse_error(fn, p->src, 0, msg);
      break;
    }
    busy |= 1ull << r;
    e.reg[v] = r;
    in->dst = (uint8_t)r;
    if (r + 1 > p->nregs) p->nregs = r + 1;
    p->weight += tdm__op_weight(x->op);
  }
  p->ncode = no;
  tdm__free(mem);
  return st;
}
