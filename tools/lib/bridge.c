/* bridge.c: Brownian-bridge construction (bridge.h). */
#include "bridge.h"

#include <math.h>
#include <stdlib.h>

#include "xalloc.h"

void bridge_init(struct bridge *b, long n)
{
	size_t count = n > 1 ? (size_t)(n - 1) : 1;
	/* intervals to split, breadth first: a queue of (left, right), the
	 * whole and two halves per split */
	long *ql = xreallocarray(NULL, 2 * count + 1, sizeof *ql);
	long *qr = xreallocarray(NULL, 2 * count + 1, sizeof *qr);
	size_t head = 0, tail = 0, k = 0;

	b->n = n;
	b->mid = xreallocarray(NULL, count, sizeof *b->mid);
	b->left = xreallocarray(NULL, count, sizeof *b->left);
	b->right = xreallocarray(NULL, count, sizeof *b->right);
	b->wl = xreallocarray(NULL, count, sizeof *b->wl);
	b->wr = xreallocarray(NULL, count, sizeof *b->wr);
	b->sd = xreallocarray(NULL, count, sizeof *b->sd);
	ql[tail] = 0;
	qr[tail++] = n;
	while (head < tail) {
		long l = ql[head], r = qr[head++];
		if (r - l < 2)
			continue;
		long m = l + (r - l) / 2;
		double span = (double)(r - l);
		b->mid[k] = m;
		b->left[k] = l;
		b->right[k] = r;
		b->wl[k] = (double)(r - m) / span;
		b->wr[k] = (double)(m - l) / span;
		b->sd[k] = sqrt((double)(m - l) * (double)(r - m) / span);
		k++;
		ql[tail] = l;
		qr[tail++] = m;
		ql[tail] = m;
		qr[tail++] = r;
	}
	free(ql);
	free(qr);
}

void bridge_free(struct bridge *b)
{
	free(b->mid);
	free(b->left);
	free(b->right);
	free(b->wl);
	free(b->wr);
	free(b->sd);
}

void bridge_increments(const struct bridge *b, const double *z, int w, double *out)
{
	const long n = b->n;
	/* out[(j - 1) * w + l] holds W(j) first, then the increments */
	double *wn = out + (n - 1) * w, root_n = sqrt((double)n);
	for (int l = 0; l < w; l++)
		wn[l] = root_n * z[l];
	for (long k = 0; k + 1 < n; k++) {
		const double *zk = z + (k + 1) * w;
		double *wm = out + (b->mid[k] - 1) * w, *wr = out + (b->right[k] - 1) * w;
		double a = b->wl[k], c = b->wr[k], s = b->sd[k];
		if (b->left[k] == 0) {
			for (int l = 0; l < w; l++)
				wm[l] = c * wr[l] + s * zk[l];
		} else {
			const double *wl = out + (b->left[k] - 1) * w;
			for (int l = 0; l < w; l++)
				wm[l] = (a * wl[l] + c * wr[l]) + s * zk[l];
		}
	}
	for (long j = n - 1; j >= 1; j--) {
		double *now = out + j * w;
		const double *before = out + (j - 1) * w;
		for (int l = 0; l < w; l++)
			now[l] = now[l] - before[l];
	}
}
