/* Single-linkage clustering (linkage.h). Points are compared pairwise:
 * a session has thousands of events at most, and the comparison a few
 * hundred sites, so n² distances cost less than building a spatial index. */
#include "linkage.h"

static size_t find(size_t *parent, size_t i)
{
	while (parent[i] != i)
		i = parent[i] = parent[parent[i]];
	return i;
}

void pd_link_init(size_t *parent, size_t n)
{
	for (size_t i = 0; i < n; i++)
		parent[i] = i;
}

void pd_link_join(size_t *parent, size_t a, size_t b)
{
	a = find(parent, a);
	b = find(parent, b);
	/* the smaller index is the root: a cluster's root is its first member */
	if (a != b)
		parent[a > b ? a : b] = a < b ? a : b;
}

size_t pd_link_labels(size_t *parent, size_t n, size_t *label)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t r = find(parent, i);
		/* roots come first in their cluster, so r ≤ i is labelled already */
		label[i] = r == i ? k++ : label[r];
	}
	return k;
}

size_t pd_link_within(const struct pd_link_xy *p, size_t n, double radius, size_t *parent, size_t *label)
{
	double r2 = radius * radius;
	pd_link_init(parent, n);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			double dx = p[i].x - p[j].x, dy = p[i].y - p[j].y;
			if (dx * dx + dy * dy <= r2)
				pd_link_join(parent, i, j);
		}
	return pd_link_labels(parent, n, label);
}
