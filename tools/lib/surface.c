/* surface.c: see surface.h. */
#include "surface.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "black.h"
#include "err.h"
#include "stream.h"
#include "xalloc.h"

static int by_maturity(const void *a, const void *b)
{
	const struct quote *x = a, *y = b;
	if (x->T != y->T)
		return x->T < y->T ? -1 : 1;
	if (x->r != y->r)
		return x->r < y->r ? -1 : 1;
	return (x->K > y->K) - (x->K < y->K);
}

void surface_read(struct surface *s, const char *path)
{
	struct stream st;
	char *inputs[1] = { (char *)path };
	size_t cap = 0;

	memset(s, 0, sizeof *s);
	stream_open(&st, 1, inputs);
	int cT = -1, cK = -1, civ = -1, cp = -1, cr = -1;
	enum record rec;
	while ((rec = stream_next(&st)) != RECORD_END) {
		if (rec != RECORD_ROW)
			continue;
		if (cT < 0) {
			cT = stream_column(&st, "maturity");
			cK = stream_column(&st, "strike");
			civ = stream_column(&st, "iv");
			cp = stream_column(&st, "price");
			cr = stream_column(&st, "rate");
			if (cT < 0 || cK < 0 || (civ < 0) == (cp < 0))
				data_error(stream_header_where(&st),
				           "a surface needs columns maturity, strike and one of iv, price");
			s->s0 = stream_meta_double(&st, "s0");
			if (!(s->s0 > 0))
				data_error(stream_header_where(&st), "s0 must be positive");
			s->q = stream_meta(&st, "q") ? stream_meta_double(&st, "q") : 0;
			if (cr < 0)
				stream_meta_double(&st, "r");   /* required then */
		}
		struct quote qt = { 0 };
		qt.T = stream_field_double(&st, cT);
		qt.K = stream_field_double(&st, cK);
		qt.r = cr >= 0 ? stream_field_double(&st, cr) : stream_meta_double(&st, "r");
		const char *where = stream_where(&st);
		if (!(qt.T > 0))
			data_error(where, "maturity must be positive");
		if (!(qt.K > 0))
			data_error(where, "strike must be positive");
		qt.F = s->s0 * exp((qt.r - s->q) * qt.T);
		qt.df = exp(-qt.r * qt.T);
		qt.phi = qt.K >= qt.F ? 1 : -1;
		double sqT = sqrt(qt.T);
		if (civ >= 0) {
			qt.iv = stream_field_double(&st, civ);
			if (!(qt.iv > 0))
				data_error(where, "iv must be positive");
			qt.price = qt.df * black(qt.phi, qt.F, qt.K, qt.iv * sqT);
		} else {
			qt.price = stream_field_double(&st, cp);
			double sd;
			enum black_status bs = black_implied(qt.phi, qt.F, qt.K, qt.price / qt.df, &sd);
			if (bs != BLACK_OK)
				data_error(where, "price %.17g is outside the no-arbitrage bounds "
				           "of an out-of-the-money %s (or carries no volatility)",
				           qt.price, qt.phi > 0 ? "call" : "put");
			qt.iv = sd / sqT;
		}
		qt.vega = qt.df * black_vega_s(qt.F, qt.K, qt.iv * sqT) * sqT;
		if (s->n == cap) {
			cap = cap ? 2 * cap : 64;
			s->quotes = xreallocarray(s->quotes, cap, sizeof *s->quotes);
		}
		s->quotes[s->n++] = qt;
	}
	if (s->n == 0)
		data_error(path, "no quotes");
	stream_close(&st);
	qsort(s->quotes, s->n, sizeof *s->quotes, by_maturity);
	s->group = xreallocarray(NULL, s->n + 1, sizeof *s->group);
	for (size_t i = 0; i < s->n; i++)
		if (i == 0 || s->quotes[i].T != s->quotes[i - 1].T || s->quotes[i].r != s->quotes[i - 1].r)
			s->group[s->ngroups++] = i;
	s->group[s->ngroups] = s->n;
	s->strikes = xreallocarray(NULL, 2 * s->n, sizeof *s->strikes);
	s->work = s->strikes + s->n;
}

enum heston_status surface_heston(struct surface *s, const struct heston *h, double *model,
                                  double tol, long *evals)
{
	enum heston_status status = HESTON_OK;
	for (size_t g = 0; g < s->ngroups; g++) {
		size_t a = s->group[g], n = s->group[g + 1] - a;
		const struct quote *q0 = &s->quotes[a];
		for (size_t j = 0; j < n; j++)
			s->strikes[j] = q0[j].K;
		long e = 0;
		enum heston_status st = heston_prices(h, 1, s->s0, q0->r, s->q, q0->T, n,
		                                      s->strikes, s->work, tol, &e);
		if (evals)
			*evals += e;
		if (st != HESTON_OK && status == HESTON_OK)
			status = st;
		for (size_t j = 0; j < n; j++)   /* puts by parity */
			model[a + j] = q0[j].phi > 0 ? s->work[j]
			               : s->work[j] - (s->s0 * exp(-s->q * q0->T) - q0[j].K * q0->df);
	}
	return status;
}

void surface_free(struct surface *s)
{
	free(s->quotes);
	free(s->group);
	free(s->strikes);
}
