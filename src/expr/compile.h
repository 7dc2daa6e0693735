/* compile.h -- the pipeline inside tdm__prog_compile: the parser builds a
 * DAG of operations (dag.c: folding, simplification, hash-consing = CSE),
 * then emit.c orders it and assigns registers into a tdm__prog. Private to
 * src/expr. */
#ifndef TDM_EXPR_COMPILE_H
#define TDM_EXPR_COMPILE_H

#include <stddef.h>

#include "expr/expr_int.h"

typedef struct tdm__node {
  int op;          /* tdm__op */
  int a, b, c;     /* operand node ids, -1 if none */
  double k;        /* CONST: the value; LOAD: the input index */
} tdm__node;

typedef struct tdm__dag {
  tdm__node *nodes;
  int n, cap;
  int *slot;       /* hash table of node id + 1 (0 = empty) */
  size_t nslot;
  int nomem;       /* an allocation failed */
  int full;        /* TDM__EXPR_MAX_NODES reached */
} tdm__dag;

void tdm__dag_init(tdm__dag *d);
void tdm__dag_free(tdm__dag *d);
/* The node for op(a, b, c) (k: CONST value or LOAD input index). Constant
 * operands are folded, exact identities simplified (x*1, x^2 = x*x, ...)
 * and an equal existing node is returned (common subexpressions). -1 on
 * failure with d->nomem or d->full set. */
int tdm__dag_node(tdm__dag *d, int op, int a, int b, int c, double k);

/* Parses src over the declared input names into d; *root is the result
 * node. TDM_ERR_PARSE (message with column and caret) or TDM_ERR_NOMEM. */
tdm_status tdm__parse(const char *fn, const char *src, int nin, const char *const names[],
                      tdm__dag *d, int *root);

/* TDM_ERR_PARSE with "fn: msg at column pos+1", the source and a caret. */
tdm_status tdm__parse_error(const char *fn, const char *src, size_t pos, const char *msg);

/* Orders the DAG from root (Sethi-Ullman: the hungrier operand first),
 * assigns registers, and fills p->code, consts, ncode, nconst, nregs,
 * used and weight. */
tdm_status tdm__emit(const char *fn, const tdm__dag *d, int root, tdm__prog *p); /* p->src set */

#endif
