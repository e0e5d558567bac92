/* Single-linkage clustering, the one way report/ joins things into sites
 * and regions (dose.c within a session, compare.c across sessions):
 * union-find over indices, then labels numbered in the order of each
 * cluster's first member, so the result does not depend on the order the
 * joins happened in. Internal to the library. */
#ifndef PD_REPORT_LINKAGE_H
#define PD_REPORT_LINKAGE_H

#include <stddef.h>

struct pd_link_xy {
	double x, y;
};

/* parent[i] = i for every i: each its own cluster. */
void pd_link_init(size_t *parent, size_t n);
void pd_link_join(size_t *parent, size_t a, size_t b);

/* label[i]: the cluster of i, numbered 0, 1... by first member; returns
 * how many clusters. */
size_t pd_link_labels(size_t *parent, size_t n, size_t *label);

/* Points within radius of each other (≤, Euclidean) joined, transitively:
 * pd_link_init, the joins, pd_link_labels. parent: n of scratch. */
size_t pd_link_within(const struct pd_link_xy *p, size_t n, double radius, size_t *parent, size_t *label);

#endif
