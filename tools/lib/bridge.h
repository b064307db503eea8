/* bridge.h: Brownian-bridge construction of a Brownian path on the dates
 * 1..n (unit steps; the caller scales by sqrt(dt)).
 *
 * The first normal fixes W(n) = sqrt(n) z_0, the next the midpoint given
 * its ends, and so on breadth first, halving the intervals (Glasserman,
 * Monte Carlo Methods in Financial Engineering, 2004, section 3.1): the
 * first normals carry most of the path's variance, so that under
 * quasi-Monte Carlo the best dimensions of the point set (Sobol's first)
 * decide most of a payoff's value. Each later point is
 *     W(m) = ((r - m) W(l) + (m - l) W(r)) / (r - l) + sqrt((m - l)(r - m) / (r - l)) z
 * for its interval's ends l < m < r (W(0) = 0). Any n >= 1, not only powers
 * of two: m = l + (r - l) / 2, rounded down. The path's increments
 * W(i) - W(i-1) are then standard normals, as a plain walk's are, in the
 * distribution. Every lane takes the same operations, so a path's bits do
 * not depend on its lane or the block width. */
#ifndef MCPIPE_BRIDGE_H
#define MCPIPE_BRIDGE_H

struct bridge {
	long n;
	long *mid, *left, *right;        /* the order of construction, n - 1 points */
	double *wl, *wr, *sd;            /* their weights */
};

void bridge_init(struct bridge *b, long n);
void bridge_free(struct bridge *b);

/* z[k * w + l]: normal k (construction order) of lane l, for n normals of
 * w lanes; out[(i - 1) * w + l]: the increment W(i) - W(i-1) of lane l.
 * z and out do not overlap. */
void bridge_increments(const struct bridge *b, const double *z, int w, double *out);

#endif
