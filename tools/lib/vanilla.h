/* vanilla.h - the European call or put in closed form under heston or
 * merton, as closedform prices it (heston.h: Lewis's integral at its
 * default tolerance; merton.h: the series). The vanilla control's mean
 * under those models: payoffs.c checks --control-mean against it. */
#ifndef MCPIPE_VANILLA_H
#define MCPIPE_VANILLA_H

#include "model.h"

/* The call (phi = 1) or put (phi = -1) of strike K under m (heston or
 * merton; s0 r q T and the model's parameters), or NAN where it cannot be
 * had (gbm, or the Heston integral failed). */
double vanilla_price(const struct model *m, int phi, double K);

#endif /* MCPIPE_VANILLA_H */
